// Runs every measurement of `multikernel report` and gathers the figures into one ReportData.
//
// The reproduction is a list of steps, run one after another (each reports itself to `onStep`, which
// the command turns into a progress bar):
//   host       the URPC figures of `bench urpc` (C floor, URPC ping-pong, streaming and wake-up,
//              postMessage, MessageChannel) and the sharing experiment with real threads;
//   simulated  Table 2 on the paper's four machines (urpc-table.ts), the sharing experiment on
//              amd-4x4, and the TLB-shootdown figure on amd-4x4 (2..16 cores) and amd-8x4 (2..32);
//   optional   commands that may not exist yet in this tree (`bench shootdown --real`, `bench
//              unmap`): the caller says which exist and how to run them; each is run as a child
//              process with --json and its last line of standard output kept as it is. One that
//              does not exist is recorded as absent, never filled in.
// A host measurement that fails is recorded with its reason and the report goes on.
import { execFile } from "node:child_process";
import { availableParallelism, cpus as osCpus } from "node:os";
import { measureFloorOutcome } from "../bench/floor.js";
import { measureMessageChannel, measurePostMessage } from "../bench/post-message.js";
import { measureSharing, type SharingFigure, simulateSharing } from "../bench/sharing.js";
import { type ShootdownFigure, shootdownBenchProtocols, simulateShootdown } from "../bench/shootdown-sim.js";
import { measureUrpc } from "../bench/urpc.js";
import {
  benchRoundsDefault,
  floorBatches,
  reportChildOutputBytesMax,
  reportChildTimeoutMs,
  reportQuickFloorBatches,
  reportQuickRounds,
  reportQuickSharingThreadsMax,
  reportQuickSharingUpdates,
  reportQuickSimSharingUpdates,
  sharingLinesChoices,
  sharingSimUpdatesDefault,
  sharingThreadsMax,
  sharingUpdatesPerThreadDefault,
} from "../limits.js";
import { loadMachine } from "../platform/sim/machine.js";
import { simulateUrpcTable } from "../platform/sim/urpc-table.js";
import { paperUrpcRow } from "./paper.js";

/** The machine the host figures come from. */
export interface HostInfo {
  readonly cpuModel: string;
  /** Logical CPUs the OS reports. */
  readonly cpuCount: number;
  /** CPUs this process may run on. */
  readonly availableCpus: number;
  readonly node: string;
  readonly platform: string;
}

/** The figures of `bench urpc` on the host; a figure that could not be measured is null. */
export interface HostUrpcFigures {
  readonly rounds: number;
  readonly floorOneWayNs: number | null;
  readonly floorOneWayP99Ns: number | null;
  readonly urpcOneWayNs: number | null;
  readonly urpcOneWayP99Ns: number | null;
  readonly urpcMsgsPerSec: number | null;
  readonly urpcCopyMsgsPerSec: number | null;
  readonly bareRingMsgsPerSec: number | null;
  readonly urpcWakeOneWayNs: number | null;
  readonly postMessageOneWayNs: number | null;
  readonly postMessageOneWayP99Ns: number | null;
  readonly messageChannelOneWayNs: number | null;
  readonly messageChannelOneWayP99Ns: number | null;
  /** Why a figure is null, by measurement. */
  readonly unavailable: Readonly<Record<string, string>>;
}

/** One row of a simulated Table 2, with the paper's values where the paper has the row. */
export interface UrpcTableRow {
  readonly path: string;
  readonly cores: readonly [number, number];
  readonly latencyCycles: number;
  readonly msgsPerKcycle: number;
  readonly paperLatencyCycles: number | null;
  readonly paperMsgsPerKcycle: number | null;
}

export interface UrpcTableFigure {
  readonly machine: string;
  readonly description: string;
  readonly clockGHz: number;
  readonly rows: readonly UrpcTableRow[];
}

/** What became of an optional command: absent from this tree, its JSON, or why it failed. */
export type OptionalOutcome =
  | { readonly status: "absent"; readonly command: string }
  | { readonly status: "ok"; readonly command: string; readonly json: unknown }
  | { readonly status: "failed"; readonly command: string; readonly error: string };

export interface ReportData {
  /** When the collection started, ISO 8601 (UTC). */
  readonly generatedAt: string;
  readonly quick: boolean;
  readonly host: HostInfo;
  /** Null when the host measurements were not asked for. */
  readonly urpcHost: HostUrpcFigures | null;
  readonly urpcTables: readonly UrpcTableFigure[];
  readonly sharingHost: SharingFigure | null;
  /** Why sharingHost is null when it was asked for. */
  readonly sharingHostError: string | null;
  readonly sharingSim: SharingFigure;
  readonly shootdownSim: readonly ShootdownFigure[];
  readonly shootdownReal: OptionalOutcome;
  readonly unmap: OptionalOutcome;
}

/** An optional command: the arguments that run it (after the CLI's path), or null where it is absent. */
export interface OptionalCommand {
  /** How the page names it, e.g. "bench shootdown --real". */
  readonly name: string;
  readonly args: readonly string[] | null;
}

export interface CollectOptions {
  /** Fewer rounds and updates: for tests and a first look. */
  readonly quick: boolean;
  /** Measure on the host (threads, the C floor); false runs the simulated parts only. */
  readonly host: boolean;
  /** The CLI's entry script, to run optional commands with. */
  readonly cliPath: string;
  readonly shootdownReal: OptionalCommand;
  readonly unmap: OptionalCommand;
  /** Called before each step with its label, its index from 0, and the number of steps. */
  readonly onStep?: (label: string, index: number, total: number) => void;
}

/** The paper's machines, in the order of the paper's Table 2. */
export const reportTableMachines: readonly string[] = ["intel-2x4", "amd-2x2", "amd-4x4", "amd-8x4"];
/** The simulated machine of the sharing experiment (the paper's §2 machine). */
export const reportSharingMachine = "amd-4x4";
/** The simulated machines of the shootdown figure. */
export const reportShootdownMachines: readonly string[] = ["amd-4x4", "amd-8x4"];

/** The machine this process runs on. */
export function hostInfo(): HostInfo {
  const all = osCpus();
  return {
    cpuModel: all[0]?.model.trim() ?? "unknown CPU",
    cpuCount: all.length,
    availableCpus: availableParallelism(),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
  };
}

interface Step {
  readonly label: string;
  readonly run: () => Promise<void> | void;
}

/** Runs the whole reproduction and returns its figures. */
export async function collectReport(options: CollectOptions): Promise<ReportData> {
  const generatedAt = new Date().toISOString();
  const host = hostInfo();
  const rounds = options.quick ? reportQuickRounds : benchRoundsDefault;
  const unavailable: Record<string, string> = {};
  const urpc: Record<string, number | null> = {};
  const urpcTables: UrpcTableFigure[] = [];
  const shootdownSim: ShootdownFigure[] = [];
  // Filled in by the steps (an object, so that what a closure assigns is not narrowed away).
  const out: {
    sharingHost: SharingFigure | null;
    sharingHostError: string | null;
    sharingSim: SharingFigure | null;
    shootdownReal: OptionalOutcome;
    unmap: OptionalOutcome;
  } = {
    sharingHost: null,
    sharingHostError: null,
    sharingSim: null,
    shootdownReal: { status: "absent", command: options.shootdownReal.name },
    unmap: { status: "absent", command: options.unmap.name },
  };

  const steps: Step[] = [];
  if (options.host) {
    const cpus: readonly [number, number] = host.cpuCount >= 2 ? [0, 1] : [0, 0];
    steps.push(
      {
        label: "host: C cache-line floor",
        run: async () => {
          const floor = await measureFloorOutcome({
            cpus,
            batches: options.quick ? reportQuickFloorBatches : floorBatches,
          });
          if (floor.result === null) unavailable.floor = floor.reason;
          urpc.floorOneWayNs = floor.result?.oneWayNsMedian ?? null;
          urpc.floorOneWayP99Ns = floor.result?.oneWayNsP99 ?? null;
        },
      },
      {
        label: `host: URPC, ${rounds} round trips`,
        run: async () => {
          try {
            const figures = await measureUrpc({ rounds });
            Object.assign(urpc, figures);
          } catch (error) {
            unavailable.urpc = message(error);
          }
        },
      },
      {
        label: `host: postMessage, ${rounds} round trips`,
        run: async () => {
          try {
            const r = await measurePostMessage(rounds);
            urpc.postMessageOneWayNs = r.oneWayNs;
            urpc.postMessageOneWayP99Ns = r.oneWayP99Ns;
          } catch (error) {
            unavailable.postMessage = message(error);
          }
        },
      },
      {
        label: `host: MessageChannel, ${rounds} round trips`,
        run: async () => {
          try {
            const r = await measureMessageChannel(rounds);
            urpc.messageChannelOneWayNs = r.oneWayNs;
            urpc.messageChannelOneWayP99Ns = r.oneWayP99Ns;
          } catch (error) {
            unavailable.messageChannel = message(error);
          }
        },
      },
    );
    const threadsMax = Math.min(
      host.availableCpus,
      options.quick ? reportQuickSharingThreadsMax : sharingThreadsMax,
    );
    const updates = options.quick ? reportQuickSharingUpdates : sharingUpdatesPerThreadDefault;
    steps.push({
      label: `host: sharing, 1..${threadsMax} threads`,
      run: async () => {
        try {
          out.sharingHost = await measureSharing({
            cores: range(1, threadsMax),
            lines: sharingLinesChoices,
            updates,
          });
        } catch (error) {
          out.sharingHostError = message(error);
        }
      },
    });
  }
  for (const machine of reportTableMachines) {
    steps.push({
      label: `simulated Table 2: ${machine}`,
      run: () => void urpcTables.push(urpcTableOf(machine)),
    });
  }
  steps.push({
    label: `simulated sharing: ${reportSharingMachine}`,
    run: () => {
      const machine = loadMachine(reportSharingMachine);
      out.sharingSim = simulateSharing(machine.name, {
        cores: range(1, machine.cores.length),
        lines: sharingLinesChoices,
        updates: options.quick ? reportQuickSimSharingUpdates : sharingSimUpdatesDefault,
      });
    },
  });
  for (const name of reportShootdownMachines) {
    steps.push({
      label: `simulated shootdown: ${name}`,
      run: () => {
        const machine = loadMachine(name);
        shootdownSim.push(
          simulateShootdown(machine.name, range(2, machine.cores.length), shootdownBenchProtocols),
        );
      },
    });
  }
  if (options.shootdownReal.args !== null) {
    const command = options.shootdownReal;
    steps.push({
      label: command.name,
      run: async () => {
        out.shootdownReal = await runOptional(options.cliPath, command);
      },
    });
  }
  if (options.unmap.args !== null) {
    const command = options.unmap;
    steps.push({
      label: command.name,
      run: async () => {
        out.unmap = await runOptional(options.cliPath, command);
      },
    });
  }

  for (const [index, step] of steps.entries()) {
    options.onStep?.(step.label, index, steps.length);
    await new Promise<void>((resolve) => setImmediate(resolve)); // let the progress bar draw
    await step.run();
  }
  options.onStep?.("done", steps.length, steps.length);

  if (out.sharingSim === null) throw new Error("report: the simulated sharing step did not run");
  return {
    generatedAt,
    quick: options.quick,
    host,
    urpcHost: options.host ? hostUrpcFigures(rounds, urpc, unavailable) : null,
    urpcTables,
    sharingHost: out.sharingHost,
    sharingHostError: out.sharingHostError,
    sharingSim: out.sharingSim,
    shootdownSim,
    shootdownReal: out.shootdownReal,
    unmap: out.unmap,
  };
}

function hostUrpcFigures(
  rounds: number,
  figures: Readonly<Record<string, number | null>>,
  unavailable: Readonly<Record<string, string>>,
): HostUrpcFigures {
  const get = (key: string): number | null => figures[key] ?? null;
  return {
    rounds,
    floorOneWayNs: get("floorOneWayNs"),
    floorOneWayP99Ns: get("floorOneWayP99Ns"),
    urpcOneWayNs: get("urpcOneWayNs"),
    urpcOneWayP99Ns: get("urpcOneWayP99Ns"),
    urpcMsgsPerSec: get("urpcMsgsPerSec"),
    urpcCopyMsgsPerSec: get("urpcCopyMsgsPerSec"),
    bareRingMsgsPerSec: get("bareRingMsgsPerSec"),
    urpcWakeOneWayNs: get("urpcWakeOneWayNs"),
    postMessageOneWayNs: get("postMessageOneWayNs"),
    postMessageOneWayP99Ns: get("postMessageOneWayP99Ns"),
    messageChannelOneWayNs: get("messageChannelOneWayNs"),
    messageChannelOneWayP99Ns: get("messageChannelOneWayP99Ns"),
    unavailable,
  };
}

/** The simulated Table 2 of one machine, each row beside the paper's (paper.ts). */
export function urpcTableOf(machineName: string): UrpcTableFigure {
  const machine = loadMachine(machineName);
  const table = simulateUrpcTable(machine);
  return {
    machine: machine.name,
    description: machine.description,
    clockGHz: machine.clockGHz,
    rows: table.paths.map((p) => {
      const paper = paperUrpcRow(machine.name, p.class);
      return {
        path: p.class,
        cores: p.cores,
        latencyCycles: p.latencyCycles,
        msgsPerKcycle: p.msgsPerKcycle,
        paperLatencyCycles: paper?.latencyCycles ?? null,
        paperMsgsPerKcycle: paper?.msgsPerKcycle ?? null,
      };
    }),
  };
}

/** Runs `node cliPath …args` and keeps the last line of its standard output as JSON. */
function runOptional(cliPath: string, command: OptionalCommand): Promise<OptionalOutcome> {
  const args = command.args ?? [];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cliPath, ...args],
      { timeout: reportChildTimeoutMs, maxBuffer: reportChildOutputBytesMax, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim().split("\n").at(-1) ?? "";
          resolve({ status: "failed", command: command.name, error: `${error.message} ${detail}`.trim() });
          return;
        }
        const last = stdout.trim().split("\n").at(-1) ?? "";
        try {
          resolve({ status: "ok", command: command.name, json: JSON.parse(last) as unknown });
        } catch {
          resolve({ status: "failed", command: command.name, error: "its last line of output is not JSON" });
        }
      },
    );
  });
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
