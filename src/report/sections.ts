// The report's measurements, one function per section of the page, each returning that section's
// figures; all run in this process, through the same library functions as `multikernel bench …`:
//   host URPC       the C floor, URPC (ping-pong, streaming, wake-up), postMessage, MessageChannel;
//   Table 2         the URPC table simulated on one of the paper's machines, beside the paper's;
//   sharing         threads updating shared cache lines against one URPC server, on the host and
//                   simulated;
//   shootdown       TLB shootdown simulated on one machine, and on this host's cores (booted
//                   multikernels running examples/tlb-shootdown.js);
//   unmap           the end-to-end unmap on this host's cores, beside the shared-memory baseline.
// A host measurement that fails is recorded with its reason (a figure of null, or a failed
// outcome) and the report goes on; a simulated one that fails is a bug and throws.
import { measureFloorOutcome } from "../bench/floor.js";
import { measureMessageChannel, measurePostMessage } from "../bench/post-message.js";
import {
  measureSharing,
  type SharingFigure,
  sharingLinesChoices,
  simulateSharing,
} from "../bench/sharing.js";
import {
  measureShootdownReal,
  type RealShootdownFigure,
  type UnmapFigure,
  unmapFigure,
} from "../bench/shootdown-real.js";
import { type ShootdownFigure, shootdownBenchProtocols, simulateShootdown } from "../bench/shootdown-sim.js";
import { measureUrpc, type UrpcFigures } from "../bench/urpc.js";
import { loadMachine } from "../platform/sim/machine.js";
import { simulateUrpcTable } from "../platform/sim/urpc-table.js";
import { paperUrpcRow } from "./paper.js";
import type { ReportSettings } from "./settings.js";

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

/** What became of a host measurement: not run (no host measurements), its figure, or why it failed. */
export type HostOutcome<F> =
  | { readonly status: "skipped" }
  | { readonly status: "ok"; readonly figure: F }
  | { readonly status: "failed"; readonly error: string };

// ---- 1. URPC on the host -----------------------------------------------------------------------

/** `bench urpc`'s figures on this host, the floor pinned to `cpus`. */
export async function measureHostUrpc(
  settings: ReportSettings,
  cpus: readonly [number, number],
): Promise<HostUrpcFigures> {
  const unavailable: Record<string, string> = {};
  const floor = await measureFloorOutcome({ cpus, batches: settings.floorBatches });
  if (floor.result === null) unavailable.floor = floor.reason;
  const urpc = await orNull(() => measureUrpc({ rounds: settings.rounds }), "urpc", unavailable);
  const postMessage = await orNull(() => measurePostMessage(settings.rounds), "postMessage", unavailable);
  const channel = await orNull(() => measureMessageChannel(settings.rounds), "messageChannel", unavailable);
  return {
    rounds: settings.rounds,
    floorOneWayNs: floor.result?.oneWayNsMedian ?? null,
    floorOneWayP99Ns: floor.result?.oneWayNsP99 ?? null,
    ...urpcFiguresOrNull(urpc),
    postMessageOneWayNs: postMessage?.oneWayNs ?? null,
    postMessageOneWayP99Ns: postMessage?.oneWayP99Ns ?? null,
    messageChannelOneWayNs: channel?.oneWayNs ?? null,
    messageChannelOneWayP99Ns: channel?.oneWayP99Ns ?? null,
    unavailable,
  };
}

/** The URPC figures the page shows, from `bench urpc`'s measurement. */
const hostUrpcKeys = [
  "urpcOneWayNs",
  "urpcOneWayP99Ns",
  "urpcMsgsPerSec",
  "urpcCopyMsgsPerSec",
  "bareRingMsgsPerSec",
  "urpcWakeOneWayNs",
] as const satisfies readonly (keyof UrpcFigures & keyof HostUrpcFigures)[];

/** The page's URPC figures from `figures`, each null where there was no measurement. */
function urpcFiguresOrNull(
  figures: UrpcFigures | null,
): Record<(typeof hostUrpcKeys)[number], number | null> {
  const entries = hostUrpcKeys.map((key) => [key, figures?.[key] ?? null] as const);
  return Object.fromEntries(entries) as Record<(typeof hostUrpcKeys)[number], number | null>;
}

/** `measure()`'s result, or null with its error recorded under `name`. */
async function orNull<T>(
  measure: () => Promise<T>,
  name: string,
  unavailable: Record<string, string>,
): Promise<T | null> {
  const outcome = await outcomeOf(measure);
  if (outcome.status === "ok") return outcome.figure;
  if (outcome.status === "failed") unavailable[name] = outcome.error;
  return null;
}

// ---- 2. Table 2, simulated ---------------------------------------------------------------------

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

// ---- 3. Sharing ----------------------------------------------------------------------------------

/** The sharing experiment with 1..sharingThreadsMax threads of this host. */
export async function measureHostSharing(settings: ReportSettings): Promise<HostOutcome<SharingFigure>> {
  return outcomeOf(() =>
    measureSharing({
      cores: range(1, settings.sharingThreadsMax),
      lines: sharingLinesChoices,
      updates: settings.sharingUpdates,
    }),
  );
}

/** The sharing experiment on every core of a simulated machine. */
export function simulateReportSharing(settings: ReportSettings, machineName: string): SharingFigure {
  const machine = loadMachine(machineName);
  return simulateSharing(machine.name, {
    cores: range(1, machine.cores.length),
    lines: sharingLinesChoices,
    updates: settings.simSharingUpdates,
  });
}

// ---- 4. TLB shootdown ----------------------------------------------------------------------------

/** The shootdown figure on a simulated machine, from 2 cores to all of them. */
export function simulateReportShootdown(machineName: string): ShootdownFigure {
  const machine = loadMachine(machineName);
  return simulateShootdown(machine.name, range(2, machine.cores.length), shootdownBenchProtocols);
}

/** `bench shootdown --real`: a multikernel booted per core count, the example run on it. */
export function measureHostShootdown(settings: ReportSettings): Promise<HostOutcome<RealShootdownFigure>> {
  return outcomeOf(() => measureShootdownReal(settings.shootdownRealCoreCounts));
}

// ---- 5. Unmap end to end ---------------------------------------------------------------------------

/**
 * `bench unmap` on settings.unmapCores cores; the shootdown section's figure is reused where it has
 * that core count (the same measurement), so that no multikernel is booted twice for one figure.
 */
export async function measureHostUnmap(
  settings: ReportSettings,
  shootdown: HostOutcome<RealShootdownFigure>,
): Promise<HostOutcome<UnmapFigure>> {
  const cores = settings.unmapCores;
  if (shootdown.status === "ok" && shootdown.figure.results.some((r) => r.cores === cores))
    return { status: "ok", figure: unmapFigure(shootdown.figure, cores) };
  return outcomeOf(async () => unmapFigure(await measureShootdownReal([cores]), cores));
}

// ---- Helpers -------------------------------------------------------------------------------------

async function outcomeOf<F>(measure: () => Promise<F>): Promise<HostOutcome<F>> {
  try {
    return { status: "ok", figure: await measure() };
  } catch (error) {
    return { status: "failed", error: message(error) };
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
