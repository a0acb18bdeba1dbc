// The paper's published figures that the report sets beside its own (Baumann et al., SOSP 2009).
//
// Copied from ../shared/reference/barrelfish.md ("Paper numbers to calibrate against"), which reads
// them off the paper's tables second-hand (≈: they may be off by a few percent). They are written
// out here, not taken from the machine files' calibration, so that the report compares the
// simulator with the paper and not with itself. Path names are the simulator's (urpc-table.ts).

/** One row of the paper's Table 2: URPC between two cores, one cache line per message. */
export interface PaperUrpcRow {
  /** The simulator's machine model of the paper's machine. */
  readonly machine: string;
  /** The path's name as the simulator's Table 2 gives it. */
  readonly path: string;
  readonly latencyCycles: number;
  readonly msgsPerKcycle: number;
}

/** The paper's machines, by simulator model, as the paper describes them. */
export const paperMachines: Readonly<Record<string, string>> = {
  "intel-2x4": "2×4-core Intel (2.66 GHz)",
  "amd-2x2": "2×2-core AMD (2.8 GHz)",
  "amd-4x4": "4×4-core AMD (2.5 GHz)",
  "amd-8x4": "8×4-core AMD (2.0 GHz)",
};

/** Table 2 (≈). */
export const paperUrpcTable: readonly PaperUrpcRow[] = [
  { machine: "intel-2x4", path: "shared", latencyCycles: 180, msgsPerKcycle: 11.97 },
  { machine: "intel-2x4", path: "non-shared", latencyCycles: 570, msgsPerKcycle: 3.78 },
  { machine: "amd-2x2", path: "same-die", latencyCycles: 450, msgsPerKcycle: 3.42 },
  { machine: "amd-2x2", path: "one-hop", latencyCycles: 532, msgsPerKcycle: 3.19 },
  { machine: "amd-4x4", path: "shared", latencyCycles: 448, msgsPerKcycle: 3.57 },
  { machine: "amd-4x4", path: "one-hop", latencyCycles: 545, msgsPerKcycle: 3.53 },
  { machine: "amd-4x4", path: "two-hop", latencyCycles: 558, msgsPerKcycle: 3.51 },
  { machine: "amd-8x4", path: "shared", latencyCycles: 538, msgsPerKcycle: 2.77 },
  { machine: "amd-8x4", path: "one-hop", latencyCycles: 613, msgsPerKcycle: 2.79 },
  { machine: "amd-8x4", path: "two-hop", latencyCycles: 618, msgsPerKcycle: 2.75 },
];

/** The paper's row for a machine and path, if it has one. */
export function paperUrpcRow(machine: string, path: string): PaperUrpcRow | undefined {
  return paperUrpcTable.find((row) => row.machine === machine && row.path === path);
}

/** "Sharing is expensive" (§2, 4×4 AMD): what the paper states, in words and numbers. */
export const paperSharing = {
  machine: "amd-4x4",
  /** One core updating data it alone uses: under this many cycles per update. */
  localUpdateCyclesMax: 30,
  /** 16 cores updating the same data: almost this many extra cycles per update. */
  contendedUpdateCycles16: 12_000,
  /** A server reached by messages does about this many times the updates of 16 sharing threads. */
  serverOverSharedRatio16: 2,
  /** The numbers of cache lines an update touches in the paper's plot; the cost grows with them. */
  linesPlotted: [1, 2, 4, 8],
} as const;

/** TLB shootdown (§5): the paper's findings, which it gives as a plot, not as a table. */
export const paperShootdownFindings: readonly string[] = [
  "At two cores, the message-based unmap costs several thousand cycles more than IPIs (it goes through the monitor).",
  "From a handful of cores on, the message protocols win, by more as the core count grows.",
  "Broadcast is the slowest protocol; multicast and NUMA-aware multicast scale best.",
  "From 8 cores on, NUMA-aware multicast is the fastest protocol, by a clear margin over multicast.",
];

/** The findings' words as numbers, for the verdicts (claims.ts). */
export const paperShootdown = {
  /** "several thousand cycles more": at least this many. */
  extraCyclesAtTwoCoresMin: 2_000,
  /** "from a handful of cores on": the message protocols win from this many cores at the latest. */
  crossoverCoresMax: 8,
  slowestProtocol: "broadcast",
  bestProtocols: ["multicast", "numa-multicast"],
  /** "NUMA-aware multicast is the fastest from 8 cores on": the protocol, the core count, the rival. */
  numaProtocol: "numa-multicast",
  numaFromCores: 8,
  numaRivalProtocol: "multicast",
  /** The baseline the message protocols are compared with. */
  baselineProtocol: "shared-memory",
} as const;
