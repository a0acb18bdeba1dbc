// Groups cores into packages: cores that share a last-level cache, reported or inferred.
//
// Core c of the latency matrix is CPU c of the host topology. Three outcomes, tried in order:
// - "sysfs": every core has a reported LLC sharing list (or, failing that, a package id) and they
//   form more than one group. Lists are merged with union-find, so inconsistent lists still give a
//   partition.
// - "measured": the OS reports one flat group (virtual machines do), so the groups come from the
//   latencies. The distinct pair round trips are sorted; a *gap* is a pair of consecutive values whose
//   ratio is at least `latencyClusterGapRatioMin`. Gaps are tried lowest first (a bounded number of
//   them); for a gap between `belowNs` and `aboveNs`, cores linked by a round trip of at most
//   `belowNs` are joined (connected components). The first gap that splits the cores into more than
//   one group, one of them with two or more cores, wins. Lowest first, not widest first, because
//   latencies are hierarchical: on a 4×4 machine (50 ns within a package, 100 ns one hop, 180 ns
//   two hops) the widest gap can be the one between hops, which would merge packages; the lowest
//   clear gap is the shared-cache boundary. Trying more than one gap matters too: a gap that joins every
//   core (a flat matrix below one slow outlier pair) says nothing, and the next one up may.
// - "flat": no such gap, so all cores are one package; noise alone never splits a matrix, because
//   noise spreads values evenly and leaves no ratio gap.
// Groups come out ascending, ordered by their lowest core: the result is a pure function of inputs.

import { latencyClusterGapRatioMin, latencyClusterGapsTriedMax } from "../limits.js";
import type { LatencyMatrix } from "./latency.js";
import type { HostTopology } from "./topology.js";

export type ClusterSource = "sysfs" | "measured" | "flat";

/** The gap in the sorted round trips that separates close cores from far ones. */
export interface LatencyGap {
  /** The highest round trip that links two cores into one group. */
  readonly belowNs: number;
  /** The next higher round trip, the lowest one between groups. */
  readonly aboveNs: number;
  /** aboveNs / belowNs (Infinity when belowNs is 0). */
  readonly ratio: number;
}

export interface CoreClustering {
  /** The groups, each ascending, ordered by their lowest core; together every core exactly once. */
  readonly groups: readonly (readonly number[])[];
  /** Where the groups came from. */
  readonly source: ClusterSource;
  /** For "measured": the gap used. */
  readonly gap?: LatencyGap;
  /** One sentence saying why, for the CLI. */
  readonly reason: string;
}

/** Union-find over cores 0..size-1, with path halving. */
class DisjointSets {
  readonly #parent: Int32Array;

  constructor(size: number) {
    this.#parent = Int32Array.from({ length: size }, (_, i) => i);
  }

  find(x: number): number {
    while (this.#parent[x] !== x) {
      this.#parent[x] = this.#parent[this.#parent[x]!]!;
      x = this.#parent[x]!;
    }
    return x;
  }

  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.#parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }

  groups(): number[][] {
    const byRoot = new Map<number, number[]>();
    for (let x = 0; x < this.#parent.length; x++) {
      const root = this.find(x);
      const group = byRoot.get(root);
      if (group === undefined) byRoot.set(root, [x]);
      else group.push(x);
    }
    // Cores are visited ascending, so each group is ascending and groups come in order of lowest core.
    return [...byRoot.values()];
  }
}

/** Groups from the reported topology, or undefined when some core's facts are missing. */
export function groupsFromTopology(topology: HostTopology, coreCount: number): number[][] | undefined {
  const byCpu = new Map(topology.cpus.map((cpu) => [cpu.cpu, cpu]));
  const facts = Array.from({ length: coreCount }, (_, core) => byCpu.get(core));
  if (facts.every((cpu) => cpu?.llcSharedCpus !== undefined)) {
    const sets = new DisjointSets(coreCount);
    facts.forEach((cpu, core) => {
      for (const other of cpu!.llcSharedCpus!) if (other < coreCount) sets.union(core, other);
    });
    return sets.groups();
  }
  if (facts.every((cpu) => cpu?.packageId !== undefined)) {
    const sets = new DisjointSets(coreCount);
    const firstOfPackage = new Map<number, number>();
    facts.forEach((cpu, core) => {
      const first = firstOfPackage.get(cpu!.packageId!);
      if (first === undefined) firstOfPackage.set(cpu!.packageId!, core);
      else sets.union(first, core);
    });
    return sets.groups();
  }
  return undefined;
}

/** The sorted distinct round trips between different cores. */
function distinctRoundTripsNs(matrix: LatencyMatrix): Float64Array {
  const values = new Set<number>();
  for (let a = 0; a < matrix.size; a++) {
    for (let b = a + 1; b < matrix.size; b++) values.add(matrix.roundTripNs(a, b));
  }
  return Float64Array.from(values).sort();
}

/** Groups from the measured latencies, or undefined when no gap splits them. */
export function groupsFromLatencies(
  matrix: LatencyMatrix,
  gapRatioMin: number = latencyClusterGapRatioMin,
): { groups: number[][]; gap: LatencyGap } | undefined {
  const levels = distinctRoundTripsNs(matrix);
  const gaps: LatencyGap[] = [];
  for (let i = 0; i + 1 < levels.length; i++) {
    const belowNs = levels[i]!;
    const aboveNs = levels[i + 1]!;
    const ratio = belowNs === 0 ? Number.POSITIVE_INFINITY : aboveNs / belowNs;
    if (ratio >= gapRatioMin) gaps.push({ belowNs, aboveNs, ratio });
  }
  for (const gap of gaps.slice(0, latencyClusterGapsTriedMax)) {
    const sets = new DisjointSets(matrix.size);
    for (let a = 0; a < matrix.size; a++) {
      for (let b = a + 1; b < matrix.size; b++) if (matrix.roundTripNs(a, b) <= gap.belowNs) sets.union(a, b);
    }
    const groups = sets.groups();
    if (groups.length > 1 && groups.some((group) => group.length > 1)) return { groups, gap };
  }
  return undefined;
}

/** Groups the matrix's cores into packages: reported facts first, then measurements, else one group. */
export function clusterCores(
  matrix: LatencyMatrix,
  topology?: HostTopology,
  gapRatioMin: number = latencyClusterGapRatioMin,
): CoreClustering {
  const reported = topology === undefined ? undefined : groupsFromTopology(topology, matrix.size);
  if (reported !== undefined && reported.length > 1) {
    return {
      groups: reported,
      source: "sysfs",
      reason: `the OS reports ${reported.length} shared-cache groups`,
    };
  }
  const measured = groupsFromLatencies(matrix, gapRatioMin);
  if (measured !== undefined) {
    const { groups, gap } = measured;
    const belowNs = Math.round(gap.belowNs);
    const aboveNs = Math.round(gap.aboveNs);
    return {
      groups,
      source: "measured",
      gap,
      reason:
        `${reported === undefined ? "the OS reports no shared caches" : "the OS reports one flat group"}; ` +
        `round trips jump from ${belowNs} to ${aboveNs} ns (×${gap.ratio.toFixed(2)}), ` +
        `so cores linked at ${belowNs} ns or less form ${groups.length} groups`,
    };
  }
  const all = Array.from({ length: matrix.size }, (_, core) => core);
  return {
    groups: [all],
    source: "flat",
    reason: `no gap of ×${gapRatioMin} or more in the measured round trips: one group of ${matrix.size} cores`,
  };
}
