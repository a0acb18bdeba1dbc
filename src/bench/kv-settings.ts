// The settings of `multikernel bench kv`: the workload's named defaults and bounds, and how the
// settings travel to the cores.
//
// One run of the benchmark is one workload measured three ways (the multikernel domain, N workers
// over postMessage, one thread with one Map), so everything that shapes it lives here, beside the
// benchmark and not in src/limits.ts: how many timed operations each client issues, how many are
// issued first to warm up, how many a client keeps in flight (its window), the key space and the
// mix of gets and puts. The domain runs in the cores' worker threads, which inherit the process's
// environment when they start, so the command writes the settings into MULTIKERNEL_KV_* variables
// before it boots and the domain reads them back (readKvSettings checks them again there).
import { rpcCallsInFlightMax } from "../limits.js";

/** Timed operations each client issues unless told otherwise (`--ops`). */
export const kvOpsPerClientDefault = 100_000;
/** Most timed operations one client may be asked for (its latencies are kept, 8 bytes each). */
export const kvOpsPerClientMax = 2_000_000;
/** Mixed operations each client issues, untimed, before the timed ones (fewer when `--ops` is smaller). */
export const kvWarmupOpsPerClient = 20_000;
/** Operations a client keeps in flight unless told otherwise (`--window`). */
export const kvWindowDefault = 128;
/**
 * Most operations a client may keep in flight: a whole window may go to one shard, whose binding
 * holds at most rpcCallsInFlightMax calls.
 */
export const kvWindowMax = rpcCallsInFlightMax;
/** Keys each client owns (puts once to fill the store, then reads and overwrites at random). */
export const kvKeysPerClient = 4_096;
/** Share of the mixed operations that are gets, in percent; the rest are puts. */
export const kvGetPercent = 80;
/** Distinct values a key may be given (each value names its key, so a misrouted reply shows). */
export const kvValueVariants = 4;
/** Characters of a value (padded), well inside the interface's 256. */
export const kvValueChars = 32;
/** Cores (and clients) unless told otherwise (`--cores`). */
export const kvCoresDefault = 2;
/** Points of its sorted latencies each client reports, from which p50 and p99 are merged. */
export const kvLatencyQuantilePoints = 1_000;
/**
 * Longest a client waits for the others at a barrier, and the postMessage baseline for its workers
 * in one phase (start, fill and warm-up, timed run): past it, a stuck client fails the run.
 */
export const kvPhaseTimeoutMs = 300_000;
/** Longest a core's report line may trail the domain's end (they come over different ports). */
export const kvReportWaitMs = 5_000;
/** Pause between two looks for the reports that have not come yet. */
export const kvReportPollMs = 10;

if (!(kvWindowDefault >= 1 && kvWindowDefault <= kvWindowMax))
  throw new Error("kv-settings: the default window must be in [1, kvWindowMax]");
if (!(kvGetPercent >= 0 && kvGetPercent <= 100)) throw new Error("kv-settings: kvGetPercent is a percentage");
if (!(kvOpsPerClientDefault <= kvOpsPerClientMax && kvValueVariants >= 2 && kvKeysPerClient >= 1))
  throw new Error("kv-settings: default ops within the bound, at least two values, at least one key");

/** What one run of the benchmark does. */
export interface KvSettings {
  /** Timed operations per client. */
  readonly opsPerClient: number;
  /** Untimed mixed operations per client before the timed ones. */
  readonly warmupOpsPerClient: number;
  /** Operations a client keeps in flight. */
  readonly window: number;
}

/** The settings for `opsPerClient` timed operations: warm-up no longer than the timed run. */
export function kvSettings(opsPerClient: number, window: number): KvSettings {
  const settings = { opsPerClient, warmupOpsPerClient: Math.min(kvWarmupOpsPerClient, opsPerClient), window };
  checkKvSettings(settings);
  return settings;
}

function checkKvSettings(settings: KvSettings): void {
  const { opsPerClient, warmupOpsPerClient, window } = settings;
  if (!Number.isInteger(opsPerClient) || opsPerClient < 1 || opsPerClient > kvOpsPerClientMax)
    throw new RangeError(
      `bench kv: ops per client must be an integer in [1, ${kvOpsPerClientMax}], got ${opsPerClient}`,
    );
  if (
    !Number.isInteger(warmupOpsPerClient) ||
    warmupOpsPerClient < 0 ||
    warmupOpsPerClient > kvOpsPerClientMax
  )
    throw new RangeError(
      `bench kv: warm-up ops must be an integer in [0, ${kvOpsPerClientMax}], got ${warmupOpsPerClient}`,
    );
  if (!Number.isInteger(window) || window < 1 || window > kvWindowMax)
    throw new RangeError(`bench kv: the window must be an integer in [1, ${kvWindowMax}], got ${window}`);
}

const envNames = {
  opsPerClient: "MULTIKERNEL_KV_OPS",
  warmupOpsPerClient: "MULTIKERNEL_KV_WARMUP",
  window: "MULTIKERNEL_KV_WINDOW",
} as const;

/** Writes the settings where the cores' workers will find them; call before booting. */
export function writeKvSettings(settings: KvSettings, env: NodeJS.ProcessEnv = process.env): void {
  checkKvSettings(settings);
  for (const [key, name] of Object.entries(envNames)) env[name] = String(settings[key as keyof KvSettings]);
}

/** Reads the settings the command wrote; throws naming the variable that is missing or bad. */
export function readKvSettings(env: NodeJS.ProcessEnv = process.env): KvSettings {
  const read = (name: string): number => {
    const text = env[name];
    if (text === undefined)
      throw new Error(`bench kv: ${name} is not set (run the domain through \`bench kv\`)`);
    return Number(text);
  };
  const settings = {
    opsPerClient: read(envNames.opsPerClient),
    warmupOpsPerClient: read(envNames.warmupOpsPerClient),
    window: read(envNames.window),
  };
  checkKvSettings(settings);
  return settings;
}
