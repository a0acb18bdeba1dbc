// How much the report measures: the full run uses the benchmarks' own defaults (src/bench), so that
// its figures are those of `multikernel bench …`; `--quick` (a first look, and the tests) measures
// less of everything, each quick size named here.
import { floorBatches } from "../bench/floor.js";
import { benchRoundsDefault } from "../bench/rounds.js";
import {
  sharingSimUpdatesDefault,
  sharingThreadsMax,
  sharingUpdatesPerThreadDefault,
} from "../bench/sharing.js";
import { shootdownRealCoreCountsDefault } from "../bench/shootdown-real.js";
import { assertLimit } from "../limits.js";

/** `--quick`: round trips per host ping-pong measurement (URPC, postMessage, MessageChannel). */
const quickRounds = 1_000;
/** `--quick`: batches of the C floor's ping-pong. */
const quickFloorBatches = 20;
/** `--quick`: updates each host thread makes in the sharing experiment. */
const quickSharingUpdates = 10_000;
/** `--quick`: most host threads the sharing experiment goes up to. */
const quickSharingThreadsMax = 4;
/** `--quick`: updates each simulated core makes in the sharing experiment. */
const quickSimSharingUpdates = 200;
/** `--quick`: the core counts of the TLB shootdown on this host's cores (one boot). */
const quickShootdownRealCoreCounts: readonly number[] = [2];
/** Fewest cores the unmap end to end is measured on (a shootdown needs another core). */
const unmapCoresMin = 2;

assertLimit(
  quickRounds <= benchRoundsDefault &&
    quickFloorBatches <= floorBatches &&
    quickSharingUpdates <= sharingUpdatesPerThreadDefault &&
    quickSharingThreadsMax <= sharingThreadsMax &&
    quickSimSharingUpdates <= sharingSimUpdatesDefault,
  "a quick report measures no more than a full one",
  "report/settings.ts",
);

/** The sizes of one report's measurements. */
export interface ReportSettings {
  readonly quick: boolean;
  /** Round trips per host ping-pong measurement. */
  readonly rounds: number;
  readonly floorBatches: number;
  /** Updates per host thread, and the most host threads, of the sharing experiment. */
  readonly sharingUpdates: number;
  readonly sharingThreadsMax: number;
  /** Updates per simulated core of the sharing experiment. */
  readonly simSharingUpdates: number;
  /** Core counts of the TLB shootdown on this host's cores. */
  readonly shootdownRealCoreCounts: readonly number[];
  /** Cores of the unmap end to end (`bench unmap`'s default: every CPU; quick: the fewest). */
  readonly unmapCores: number;
}

/** The settings of a full report, or of a quick one, on a host with `availableCpus` CPUs. */
export function reportSettings(quick: boolean, availableCpus: number): ReportSettings {
  return {
    quick,
    rounds: quick ? quickRounds : benchRoundsDefault,
    floorBatches: quick ? quickFloorBatches : floorBatches,
    sharingUpdates: quick ? quickSharingUpdates : sharingUpdatesPerThreadDefault,
    sharingThreadsMax: Math.min(availableCpus, quick ? quickSharingThreadsMax : sharingThreadsMax),
    simSharingUpdates: quick ? quickSimSharingUpdates : sharingSimUpdatesDefault,
    shootdownRealCoreCounts: quick ? quickShootdownRealCoreCounts : shootdownRealCoreCountsDefault,
    unmapCores: quick ? unmapCoresMin : Math.max(unmapCoresMin, availableCpus),
  };
}
