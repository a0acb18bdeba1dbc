// Synthetic latency matrices for the SKB's tests: seeded noise around chosen latency classes.

import { splitmix32 } from "../../src/platform/loopback/splitmix32.js";
import { LatencyMatrix } from "../../src/skb/latency.js";

/** A matrix whose pair (a, b) answers in `classNs(a, b)` ± `noiseNs`, each direction drawn separately. */
export function noisyMatrix(
  size: number,
  classNs: (a: number, b: number) => number,
  noiseNs: number,
  seed: number,
): LatencyMatrix {
  const random = splitmix32(seed);
  return LatencyMatrix.fromFunction(size, (a, b) => classNs(a, b) + (random() * 2 - 1) * noiseNs);
}

/** The 16-vCPU VM: SMT siblings (c, c + 8) at ≈100 ns, all other pairs at ≈190 ns. */
export function smtMatrix(seed: number, noiseNs = 8): LatencyMatrix {
  return noisyMatrix(16, (a, b) => (Math.abs(a - b) === 8 ? 100 : 190), noiseNs, seed);
}

/** Four packages of four cores: 50 ns within, 150 ns one hop, 200 ns two hops (packages 0↔3, 1↔2). */
export function fourPackageMatrix(seed: number, noiseNs = 5): LatencyMatrix {
  return noisyMatrix(
    16,
    (a, b) => {
      const p = a >> 2;
      const q = b >> 2;
      if (p === q) return 50;
      return p + q === 3 ? 200 : 150;
    },
    noiseNs,
    seed,
  );
}

/** One flat group: every pair at 190 ns ± noise. */
export function flatMatrix(seed: number, size = 16, noiseNs = 15): LatencyMatrix {
  return noisyMatrix(size, () => 190, noiseNs, seed);
}
