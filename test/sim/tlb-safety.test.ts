// The simulator's TLB-shootdown safety check: every message protocol, many seeds, with the faults the
// protocols tolerate, and no core ever translating a page after its unmap resolved; and the
// checker catches a broken engine (TLB entries never dropped).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Fault } from "../../src/platform/sim/faults.js";
import { runScenario } from "../../src/platform/sim/index.js";
import { tlbSafetyScenario } from "../../src/platform/sim/scenarios/tlb-safety.js";
import { Tlb } from "../../src/vm/tlb.js";

const protocols = ["broadcast", "unicast", "multicast", "numa-multicast"] as const;
const seedsPerProtocol = 12;

function faultsFor(seed: number): Fault[] {
  return [
    { kind: "delay", probability: (seed % 4) / 10, extraCycles: 500 + 300 * seed },
    { kind: "slow", core: seed % 4, factor: 2 + (seed % 5) },
    { kind: "stall", core: (seed + 1) % 4, fromCycles: 1_000 * seed, toCycles: 1_000 * seed + 20_000 },
  ];
}

describe("TLB shootdown safety in the simulator", () => {
  for (const protocol of protocols) {
    it(`${protocol}: no core translates an unmapped page, across ${seedsPerProtocol} seeds with faults`, async () => {
      for (let seed = 1; seed <= seedsPerProtocol; seed++) {
        const machine = seed % 2 === 0 ? "amd-4x4" : "amd-8x4";
        const result = await runScenario(tlbSafetyScenario({ protocol, pages: 1 + (seed % 4) }), {
          machine,
          seed,
          faults: faultsFor(seed),
        });
        assert.deepEqual(result.violations, [], `${machine} seed ${seed}`);
        assert.equal(result.completed, true, `${machine} seed ${seed} completed`);
      }
    });
  }

  it("catches an engine whose TLBs are never invalidated", async () => {
    const invalidate = Tlb.prototype.invalidate;
    Tlb.prototype.invalidate = () => 0;
    try {
      let caught = 0;
      for (let seed = 1; seed <= 5; seed++) {
        const result = await runScenario(tlbSafetyScenario({ protocol: "unicast", pages: 2 }), {
          machine: "amd-4x4",
          seed,
        });
        if (result.violations.some((v) => /still translates/.test(v))) caught++;
      }
      assert.ok(caught > 0, "the checker saw stale translations");
    } finally {
      Tlb.prototype.invalidate = invalidate;
    }
  });
});
