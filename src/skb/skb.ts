// The System Knowledge Base: what the multikernel knows about the machine, and the routes it derives.
//
// Built once from the reported topology (sysfs facts, possibly empty) and the measured latency matrix;
// immutable afterwards, so every core can hold its own replica and get the same answers. It groups
// cores into packages (see clustering.ts) and answers:
// - `distanceNs(a, b)`: the measured round trip;
// - `packages()` / `packageOf(core)`: the groups, each with a leader;
// - `multicastTree(root, cores?)`: Barrelfish's NUMA-aware tree (usr/skb/programs/multicast.pl). The
//   root sends one message to the leader of every other package, farthest package first (so the
//   slowest deliveries start earliest), then to the other cores of its own package, farthest first;
//   each leader forwards to the rest of its package, farthest first. Given a subset, the tree covers
//   the root and the subset only, and leaders are chosen within it;
// - `unicastOrder(root, cores?)`: every other core, farthest first (the flat alternative).
// Ties in latency are broken by the lower core number, so all answers are deterministic.
//
// Leader choice: the core of the package with the lowest mean round trip to the cores outside it (in
// the subset, for a subset tree); ties and single-package machines take the lowest core. That is the
// core nearest the interconnect, which is what a package's forwarder wants; the root always leads its
// own package.

import { coresMax } from "../limits.js";
import { type CoreClustering, clusterCores } from "./clustering.js";
import type { LatencyMatrix } from "./latency.js";
import type { HostTopology } from "./topology.js";
import type { CorePackage, MulticastNode } from "./types.js";

/** What `toJSON` prints: enough to re-create the answers and to show them. */
export interface SkbJson {
  readonly cores: number;
  readonly source: CoreClustering["source"];
  readonly reason: string;
  readonly packages: readonly CorePackage[];
  readonly roundTripsNs: number[][];
}

export class SystemKnowledgeBase {
  /** Number of cores, 0..coreCount-1. */
  readonly coreCount: number;
  /** How the cores were grouped, and why. */
  readonly clustering: CoreClustering;
  readonly topology: HostTopology;
  readonly #matrix: LatencyMatrix;
  readonly #packages: readonly CorePackage[];
  /** Package index of each core. */
  readonly #packageOfCore: Int32Array;

  constructor(topology: HostTopology | undefined, matrix: LatencyMatrix) {
    this.coreCount = matrix.size;
    this.topology = topology ?? { cpus: [] };
    this.#matrix = matrix;
    this.clustering = clusterCores(matrix, topology);
    this.#packageOfCore = new Int32Array(matrix.size);
    this.clustering.groups.forEach((group, id) => {
      for (const core of group) this.#packageOfCore[core] = id;
    });
    const all = Array.from({ length: matrix.size }, (_, core) => core);
    this.#packages = this.clustering.groups.map((group, id) =>
      Object.freeze({ id, leader: this.#leaderOf(group, all), cores: Object.freeze([...group]) }),
    );
  }

  /** The measured round trip between two cores, in ns (0 for a core and itself). */
  distanceNs(a: number, b: number): number {
    return this.#matrix.roundTripNs(this.#checkCore(a), this.#checkCore(b));
  }

  /** The packages, ordered by their lowest core. */
  packages(): readonly CorePackage[] {
    return this.#packages;
  }

  /** The package that holds `core`. */
  packageOf(core: number): CorePackage {
    return this.#packages[this.#packageOfCore[this.#checkCore(core)]!]!;
  }

  /** The multicast tree from `root` to every core, or to `cores` (root included whether listed or not). */
  multicastTree(root: number, cores?: readonly number[]): MulticastNode {
    this.#checkCore(root);
    const members = this.#members(root, cores);
    const inPackage = new Map<number, number[]>();
    for (const core of members) {
      const id = this.#packageOfCore[core]!;
      const list = inPackage.get(id);
      if (list === undefined) inPackage.set(id, [core]);
      else list.push(core);
    }
    const rootPackage = this.#packageOfCore[root]!;
    const remote: MulticastNode[] = [];
    for (const [id, group] of inPackage) {
      if (id === rootPackage) continue;
      const leader = this.#leaderOf(group, members);
      const rest = this.#farthestFirst(
        leader,
        group.filter((core) => core !== leader),
      );
      remote.push({ core: leader, children: rest.map((core) => ({ core, children: [] })) });
    }
    const remoteOrdered = this.#farthestFirst(
      root,
      remote.map((node) => node.core),
    ).map((leader) => remote.find((node) => node.core === leader)!);
    const local = this.#farthestFirst(
      root,
      (inPackage.get(rootPackage) ?? []).filter((core) => core !== root),
    ).map((core) => ({ core, children: [] }));
    return { core: root, children: [...remoteOrdered, ...local] };
  }

  /** Every core but `root` (of `cores`, when given), farthest from the root first. */
  unicastOrder(root: number, cores?: readonly number[]): number[] {
    this.#checkCore(root);
    return this.#farthestFirst(
      root,
      this.#members(root, cores).filter((core) => core !== root),
    );
  }

  toJSON(): SkbJson {
    return {
      cores: this.coreCount,
      source: this.clustering.source,
      reason: this.clustering.reason,
      packages: this.#packages,
      roundTripsNs: this.#matrix.toRows(),
    };
  }

  /** Root plus the given cores (checked, distinct, ascending), or all cores. */
  #members(root: number, cores: readonly number[] | undefined): number[] {
    if (cores === undefined) return Array.from({ length: this.coreCount }, (_, core) => core);
    if (cores.length > coresMax) throw new RangeError(`SKB: ${cores.length} cores given, more than coresMax`);
    const set = new Set<number>([root]);
    for (const core of cores) set.add(this.#checkCore(core));
    return [...set].sort((a, b) => a - b);
  }

  /** `cores` sorted by decreasing round trip from `from`, ties by lower core. */
  #farthestFirst(from: number, cores: readonly number[]): number[] {
    return [...cores].sort((a, b) => {
      const da = this.#matrix.roundTripNs(from, a);
      const db = this.#matrix.roundTripNs(from, b);
      return da === db ? a - b : db - da;
    });
  }

  /** The core of `group` with the lowest mean round trip to the `members` outside the group. */
  #leaderOf(group: readonly number[], members: readonly number[]): number {
    const inGroup = new Set(group);
    const outside = members.filter((core) => !inGroup.has(core));
    let leader = group[0]!;
    if (outside.length === 0) return leader;
    let bestMeanNs = Number.POSITIVE_INFINITY;
    for (const core of group) {
      let sumNs = 0;
      for (const other of outside) sumNs += this.#matrix.roundTripNs(core, other);
      const meanNs = sumNs / outside.length;
      // Group is ascending, so a strict < keeps the lowest core among equals.
      if (meanNs < bestMeanNs) {
        bestMeanNs = meanNs;
        leader = core;
      }
    }
    return leader;
  }

  #checkCore(core: number): number {
    if (!Number.isSafeInteger(core) || core < 0 || core >= this.coreCount) {
      throw new RangeError(`SKB: core ${core} is not in [0, ${this.coreCount})`);
    }
    return core;
  }
}
