// Runs every measurement of `multikernel report` and gathers the figures into one ReportData.
//
// The reproduction is a list of steps, run one after another in this process (each reports itself
// to `onStep`, which the command turns into a progress bar); each step calls one section's function
// of sections.ts:
//   host       the URPC figures of `bench urpc` (C floor, URPC ping-pong, streaming and wake-up,
//              postMessage, MessageChannel), the sharing experiment with real threads, the TLB
//              shootdown on booted multikernels (`bench shootdown --real`) and the unmap end to end
//              (`bench unmap`);
//   simulated  Table 2 on the paper's four machines, the sharing experiment on amd-4x4, and the
//              TLB-shootdown figure on amd-4x4 (2..16 cores) and amd-8x4 (2..32).
// How much each measures comes from settings.ts (`--quick` measures less). A host measurement that
// fails is recorded with its reason and the report goes on; without host measurements their
// outcomes are "skipped".
import { availableParallelism, cpus as osCpus } from "node:os";
import type { SharingFigure } from "../bench/sharing.js";
import type { RealShootdownFigure, UnmapFigure } from "../bench/shootdown-real.js";
import type { ShootdownFigure } from "../bench/shootdown-sim.js";
import {
  type HostOutcome,
  type HostUrpcFigures,
  measureHostSharing,
  measureHostShootdown,
  measureHostUnmap,
  measureHostUrpc,
  simulateReportSharing,
  simulateReportShootdown,
  type UrpcTableFigure,
  urpcTableOf,
} from "./sections.js";
import { reportSettings } from "./settings.js";

export type { HostOutcome, HostUrpcFigures, UrpcTableFigure, UrpcTableRow } from "./sections.js";
export { urpcTableOf } from "./sections.js";

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
  readonly shootdownReal: HostOutcome<RealShootdownFigure>;
  readonly unmap: HostOutcome<UnmapFigure>;
}

export interface CollectOptions {
  /** Fewer rounds and updates: for tests and a first look. */
  readonly quick: boolean;
  /** Measure on the host (threads, the C floor, booted cores); false runs the simulated parts only. */
  readonly host: boolean;
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

/** What the steps fill in (an object, so that what a closure assigns is not narrowed away). */
interface Collected {
  urpcHost: HostUrpcFigures | null;
  readonly urpcTables: UrpcTableFigure[];
  sharingHost: HostOutcome<SharingFigure>;
  sharingSim: SharingFigure | null;
  readonly shootdownSim: ShootdownFigure[];
  shootdownReal: HostOutcome<RealShootdownFigure>;
  unmap: HostOutcome<UnmapFigure>;
}

/** Runs the whole reproduction and returns its figures. */
export async function collectReport(options: CollectOptions): Promise<ReportData> {
  const generatedAt = new Date().toISOString();
  const host = hostInfo();
  const out: Collected = {
    urpcHost: null,
    urpcTables: [],
    sharingHost: { status: "skipped" },
    sharingSim: null,
    shootdownSim: [],
    shootdownReal: { status: "skipped" },
    unmap: { status: "skipped" },
  };
  const steps = [
    ...(options.host ? hostSteps(host, options.quick, out) : []),
    ...simulatedSteps(options.quick, out),
  ];
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
    urpcHost: out.urpcHost,
    urpcTables: out.urpcTables,
    sharingHost: out.sharingHost.status === "ok" ? out.sharingHost.figure : null,
    sharingHostError: out.sharingHost.status === "failed" ? out.sharingHost.error : null,
    sharingSim: out.sharingSim,
    shootdownSim: out.shootdownSim,
    shootdownReal: out.shootdownReal,
    unmap: out.unmap,
  };
}

/** The host's sections, in the page's order. */
function hostSteps(host: HostInfo, quick: boolean, out: Collected): Step[] {
  const settings = reportSettings(quick, host.availableCpus);
  const cpus: readonly [number, number] = host.cpuCount >= 2 ? [0, 1] : [0, 0];
  return [
    {
      label: `host: C floor, URPC, postMessage and MessageChannel, ${settings.rounds} round trips`,
      run: async () => {
        out.urpcHost = await measureHostUrpc(settings, cpus);
      },
    },
    {
      label: `host: sharing, 1..${settings.sharingThreadsMax} threads`,
      run: async () => {
        out.sharingHost = await measureHostSharing(settings);
      },
    },
    {
      label: `host: TLB shootdown on ${settings.shootdownRealCoreCounts.join(", ")} booted cores`,
      run: async () => {
        out.shootdownReal = await measureHostShootdown(settings);
      },
    },
    {
      label: `host: unmap end to end on ${settings.unmapCores} cores`,
      run: async () => {
        out.unmap = await measureHostUnmap(settings, out.shootdownReal);
      },
    },
  ];
}

/** The simulated sections, in the page's order. */
function simulatedSteps(quick: boolean, out: Collected): Step[] {
  const settings = reportSettings(quick, 1);
  return [
    ...reportTableMachines.map((machine) => ({
      label: `simulated Table 2: ${machine}`,
      run: () => void out.urpcTables.push(urpcTableOf(machine)),
    })),
    {
      label: `simulated sharing: ${reportSharingMachine}`,
      run: () => {
        out.sharingSim = simulateReportSharing(settings, reportSharingMachine);
      },
    },
    ...reportShootdownMachines.map((machine) => ({
      label: `simulated shootdown: ${machine}`,
      run: () => void out.shootdownSim.push(simulateReportShootdown(machine)),
    })),
  ];
}
