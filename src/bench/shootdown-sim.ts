// The TLB-shootdown figure (paper §5), simulated: the latency of one unmap, by protocol and core count.
//
// For each message protocol (broadcast, unicast, multicast, numa-multicast) and each core count N,
// a fresh Simulation of the named machine hosts a ShootdownEngine (src/vm/shootdown.ts) on each of
// the first N cores in package order, the first of them the address space's home. Core 0 of the
// subset maps one page; once the map has completed everywhere, a timer fires after
// shootdownBenchQuiesceCycles (so that no transfer of the map is still queued at a cache), every core
// translates the page (filling its TLB), and the home unmaps it. The figure is the virtual time from
// the domain's `unmap` request to its completion, in cycles, read through the engine's `onComplete`
// hook, which runs synchronously inside the simulated handler (promise continuations would only run
// after `Simulation.run` returns, outside virtual time). The simulator charges each handler its
// receiveCycles and each message its sendCycles, and each line its transfer (cost-model.ts); the
// engine's own bookkeeping and the TLB invalidation are charged nothing. The engine runs as the
// monitor's logic, so the path from the user domain to its monitor is charged explicitly
// (monitor-path.ts): Table 1's LRPC when the domain asks, and again when the monitor answers.
// Channel memory (channel-placement.ts): NUMA-aware multicast homes each channel at its receiver,
// as the paper's does; the other protocols at package 0 (channelHomeOf says why).
//
// Packages and the NUMA-aware tree come from a SystemKnowledgeBase built as the real platform builds
// it: the topology the OS would report (each core's package) and a latency matrix, here the
// simulated one-way URPC latency of each pair's path class doubled into a round trip (the class's
// calibrated ping-pong latency, which the simulator reproduces: urpc-table.ts). Multicast uses the
// SKB's packages in package order; numa-multicast the SKB's tree for the subset (farthest first).
//
// The `shared-memory` baseline (what Linux or Windows do with IPIs and a shared counter) is not a
// message protocol: it runs as code on each simulated core, with interrupts and shared lines
// (shootdown-ipi-sim.ts).

import type { CoreLogic } from "../cpu-driver/core-env.js";
import { pageBytes } from "../limits.js";
import {
  type ChannelHome,
  homeAtPackage,
  homeAtReceiver,
  homeAtSender,
} from "../platform/sim/channel-placement.js";
import { type SimCoreEnv, Simulation } from "../platform/sim/engine.js";
import { KernelCalls } from "../platform/sim/kernel-calls.js";
import { loadMachine, type Machine } from "../platform/sim/machine.js";
import { skbOfMachine } from "../platform/sim/machine-skb.js";
import { MonitorPath } from "../platform/sim/monitor-path.js";
import type { SystemKnowledgeBase } from "../skb/skb.js";
import type { CorePackage, MulticastNode } from "../skb/types.js";
import { PhysicalMemory } from "../vm/physical-memory.js";
import { rightRead } from "../vm/rights.js";
import { ShootdownEngine } from "../vm/shootdown.js";
import { messageShootdownProtocols, type ShootdownProtocol } from "../vm/shootdown-routes.js";
import { simulateIpiUnmap } from "./shootdown-ipi-sim.js";

/** Virtual cycles between a map's completion and the timed unmap, so that no transfer of the map is still queued. */
const shootdownBenchQuiesceCycles = 100_000;
/** The simulator's seed (one seed, one set of figures). */
const shootdownBenchSeed = 1;

/** The protocols of the figure, in the paper's order, with the shared-memory baseline last. */
export const shootdownBenchProtocols: readonly ShootdownProtocol[] = [
  ...messageShootdownProtocols,
  "shared-memory",
];

export interface ShootdownPoint {
  readonly protocol: ShootdownProtocol;
  readonly cores: number;
  /** Virtual cycles from the unmap call to its completion on the home core. */
  readonly latencyCycles: number;
}

/**
 * Where the message protocols' channel memory lives: as each protocol allocates it (`protocol`,
 * the default: see channelHomeOf), or the same placement for all, to separate what placement
 * gives from what the tree's order gives.
 */
export type ShootdownPlacement = "protocol" | "sender" | "receiver" | "package-0";

export interface ShootdownSimOptions {
  /** Charge the domain's call to its monitor and the answer (Table 1's LRPC each); default true. */
  readonly monitorPath?: boolean;
  /** Channel memory placement for every message protocol; default "protocol". */
  readonly placement?: ShootdownPlacement;
  /**
   * Charge the kernel entries and TLB invalidations of both kinds of unmap (kernel-calls.ts: each
   * monitor's call into its CPU driver; the baseline's system call and each handler's INVLPG);
   * default true. The counts are left in `kernelCalls` when given.
   */
  readonly kernelCalls?: boolean | KernelCalls;
}

export interface ShootdownFigure {
  readonly machine: string;
  readonly results: readonly ShootdownPoint[];
}

/** The virtual address the benchmark maps and unmaps. */
const benchVaddr = 16 * pageBytes;
/** Frames each core of the subset owns in the benchmark's physical memory (one is used). */
const framesPerCore = 1;
/** Events one unmap may take at most, per core squared (a bound that flags a runaway protocol). */
const eventsPerCoreSquared = 64;

/** The first `count` cores of the machine in package order. */
export { skbOfMachine };

export function coresInPackageOrder(machine: Machine, count: number): number[] {
  const all = machine.packages.flat();
  if (!Number.isInteger(count) || count < 2 || count > all.length) {
    throw new RangeError(
      `shootdown: ${count} cores asked for; ${machine.name} has ${all.length} cores, and a shootdown needs at least 2`,
    );
  }
  return all.slice(0, count);
}

/** The SKB's packages restricted to `subset`, each led by the leader the SKB's subset tree picks. */
function packagesOfSubset(skb: SystemKnowledgeBase, subset: readonly number[], root: number): CorePackage[] {
  const tree = skb.multicastTree(root, subset);
  const inSubset = new Set(subset);
  const packages: CorePackage[] = [];
  for (const p of skb.packages()) {
    const cores = p.cores.filter((c) => inSubset.has(c));
    if (cores.length === 0) continue;
    const leader =
      cores.find((c) => c === root) ??
      tree.children.find((node) => cores.includes(node.core))?.core ??
      cores[0]!;
    packages.push({ id: packages.length, leader, cores });
  }
  return packages;
}

/**
 * Where a protocol's channel memory lives: NUMA-aware multicast allocates each channel local to its
 * receiver (the paper); the others take what an allocator that ignores NUMA hands out, modelled as
 * the memory of package 0, where the boot core's memory server starts (an assumption: the paper
 * does not say; with memory local to the sender instead, placement would change nothing here).
 */
function channelHomeOf(
  machine: Machine,
  protocol: ShootdownProtocol,
  placement: ShootdownPlacement,
): ChannelHome {
  switch (placement) {
    case "protocol":
      return protocol === "numa-multicast" ? homeAtReceiver(machine) : homeAtPackage(machine, 0);
    case "sender":
      return homeAtSender(machine);
    case "receiver":
      return homeAtReceiver(machine);
    case "package-0":
      return homeAtPackage(machine, 0);
  }
}

/** One unmap with a message protocol on `subset`, in a fresh simulation; returns its cycles. */
function simulateMessageUnmap(
  machine: Machine,
  skb: SystemKnowledgeBase,
  protocol: ShootdownProtocol,
  subset: readonly number[],
  seed: number,
  monitorPath: MonitorPath,
  placement: ShootdownPlacement,
  kernel: KernelCalls | null,
): number {
  const root = subset[0]!;
  const packages = packagesOfSubset(skb, subset, root);
  const tree = (from: number): MulticastNode => skb.multicastTree(from, subset);
  const sortedSubset = [...subset].sort((a, b) => a - b);
  const buffer = new SharedArrayBuffer(subset.length * framesPerCore * pageBytes);
  const sim = new Simulation(machine, { seed, channelHome: channelHomeOf(machine, protocol, placement) });
  const engines: ShootdownEngine[] = [];
  let startCycles = -1;
  let doneCycles = -1;
  let failure: unknown;
  const fail = (error: unknown): void => {
    failure ??= error;
  };
  for (const core of subset) {
    sim.addCore(core, (env: SimCoreEnv): CoreLogic => {
      // The engine reads env.coreIds when it is made, and the simulator lists only the cores added
      // so far until it starts: so each engine is made in its core's start(), once all are added.
      let engine: ShootdownEngine | undefined;
      const makeEngine = (): ShootdownEngine =>
        new ShootdownEngine(env, {
          protocol,
          packages,
          tree,
          home: root,
          memory: new PhysicalMemory(buffer, sortedSubset, core),
          // The monitor asks its CPU driver to drop the page (a system call with an INVLPG).
          onTlbInvalidate: (_page, pageCount) => kernel?.invokeInvalidate(env, pageCount),
          onComplete: (op) => {
            if (op.error !== undefined) fail(op.error);
            else if (op.kind === "map") {
              env.setTimer(shootdownBenchQuiesceCycles / machine.clockGHz, () => {
                for (const e of engines) e.translate(benchVaddr, rightRead);
                startCycles = env.nowCycles();
                monitorPath.cross(env); // the domain's unmap request to its monitor
                engine?.unmap(benchVaddr, pageBytes).catch(fail);
              });
            } else if (op.kind === "unmap") {
              monitorPath.cross(env); // the monitor's answer to the domain
              doneCycles = env.nowCycles();
              for (const e of engines) {
                if (e.tlb.lookup(benchVaddr / pageBytes) !== undefined)
                  fail(new Error(`shootdown bench: core ${e.coreId} still caches the page after the unmap`));
              }
            }
          },
        });
      return {
        start: () => {
          const made = makeEngine();
          engine = made;
          engines.push(made);
          if (core === root) {
            env.setTimer(shootdownBenchQuiesceCycles / machine.clockGHz, () => {
              made.map(benchVaddr, 0, rightRead).catch(fail);
            });
          }
        },
        receive: (from, type, bytes, length) => {
          if (engine === undefined || !engine.receive(from, type, bytes, length))
            throw new Error(`shootdown bench: core ${core} got message type ${type}, not a shootdown`);
        },
      };
    });
  }
  // The map starts from a timer on the root, so that every core's start (all at time 0) has made
  // its engine before the first message.
  const maxEvents = eventsPerCoreSquared * subset.length * subset.length + 1_000;
  const stats = sim.run({ maxEvents });
  if (failure !== undefined) throw failure;
  if (doneCycles < 0 || startCycles < 0) {
    throw new Error(
      `shootdown bench: ${protocol} on ${subset.length} cores of ${machine.name} did not complete (${stats.stoppedBy} after ${stats.events} events)`,
    );
  }
  return doneCycles - startCycles;
}

/** The figure: every protocol at every core count, on the named machine (machines/<name>.json). */
export function simulateShootdown(
  machineName: string,
  coreCounts: readonly number[],
  protocols: readonly ShootdownProtocol[] = shootdownBenchProtocols,
  seed: number = shootdownBenchSeed,
  options: ShootdownSimOptions = {},
): ShootdownFigure {
  const machine = loadMachine(machineName);
  const monitorPath = MonitorPath.of(machine, options.monitorPath ?? true);
  const placement = options.placement ?? "protocol";
  const kernel = kernelCallsOf(options.kernelCalls);
  const skb = skbOfMachine(machine);
  const subsets = coreCounts.map((count) => coresInPackageOrder(machine, count));
  const results: ShootdownPoint[] = [];
  for (const protocol of protocols) {
    for (const subset of subsets) {
      const latencyCycles =
        protocol === "shared-memory"
          ? simulateIpiUnmap(machine, subset, seed, kernel)
          : simulateMessageUnmap(machine, skb, protocol, subset, seed, monitorPath, placement, kernel);
      results.push({ protocol, cores: subset.length, latencyCycles: Math.round(latencyCycles) });
    }
  }
  return { machine: machine.name, results };
}

/** The kernel calls a run charges: the caller's counter, a fresh one (default), or none. */
function kernelCallsOf(option: boolean | KernelCalls | undefined): KernelCalls | null {
  if (option === false) return null;
  return option instanceof KernelCalls ? option : new KernelCalls();
}
