// A plain, JSON-able description of the host as the SKB sees it, for the simulator to turn into a
// machine model file.
//
// It keeps what a cost model needs and no more: the packages (cores and leader), the median round
// trip between two cores of the same package, the median between cores of different packages, and
// the median for each pair of packages (so a simulated interconnect can tell one hop from two).
// Medians, not means, so that a few slow measurements do not move the model. A class with no pairs
// (single-core packages, a single package) is null.

import type { SystemKnowledgeBase } from "./skb.js";

export interface HostMachineDescription {
  readonly cores: number;
  /** How the packages were found: "sysfs", "measured" or "flat". */
  readonly source: string;
  readonly packages: readonly { readonly id: number; readonly leader: number; readonly cores: number[] }[];
  readonly latencyNs: {
    /** Median round trip between two different cores of the same package. */
    readonly withinPackageMedian: number | null;
    /** Median round trip between cores of different packages. */
    readonly betweenPackagesMedian: number | null;
    /** [p][q]: median round trip between a core of package p and one of package q (p = q: within p). */
    readonly byPackagePairMedian: (number | null)[][];
  };
}

/** The median of `values` (the mean of the middle two for an even count), null when empty. */
export function medianNs(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function describeHostMachine(skb: SystemKnowledgeBase): HostMachineDescription {
  const packages = skb.packages();
  const within: number[] = [];
  const between: number[] = [];
  const byPair: number[][][] = packages.map(() => packages.map(() => []));
  for (let a = 0; a < skb.coreCount; a++) {
    for (let b = a + 1; b < skb.coreCount; b++) {
      const ns = skb.distanceNs(a, b);
      const p = skb.packageOf(a).id;
      const q = skb.packageOf(b).id;
      (p === q ? within : between).push(ns);
      byPair[p]![q]!.push(ns);
      if (p !== q) byPair[q]![p]!.push(ns);
    }
  }
  return {
    cores: skb.coreCount,
    source: skb.clustering.source,
    packages: packages.map((pkg) => ({ id: pkg.id, leader: pkg.leader, cores: [...pkg.cores] })),
    latencyNs: {
      withinPackageMedian: medianNs(within),
      betweenPackagesMedian: medianNs(between),
      byPackagePairMedian: byPair.map((row) => row.map(medianNs)),
    },
  };
}
