// The physical floor: what a cache-line round trip between two cores costs, measured in C.
//
// `measureFloor` compiles native/cacheline-pingpong.c with the system's `cc -O2 -pthread` into the
// user's private cache directory (os.tmpdir()/multikernel-native-<uid>, created mode 0700 and checked
// before every use: see private-cache.ts), under a name carrying a hash of the source and flags, so
// that the compiler runs once per source version; then it checks the binary is the user's own and
// runs it pinned to two CPUs, bounded by a timeout, and parses the one JSON line it prints. Where
// there is no compiler, the compile fails, the program fails, or the cache directory or binary is
// not the user's alone, the floor is unavailable: the outcome says why, and the benchmark reports
// `null` rather than failing as a whole (or running what someone else put there).

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { constants, existsSync } from "node:fs";
import { access, readFile, rename, rm } from "node:fs/promises";
import { cpus as osCpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeThrown } from "../cpu-driver/describe-thrown.js";
import { assertLimit } from "../limits.js";
import { checkOwnExecutable, ensurePrivateDir, UntrustedPathError } from "./private-cache.js";

/** Longest time the C compiler may take to build the native floor benchmark. */
const floorCompileTimeoutMs = 60_000;
/** Longest time the native floor benchmark may run before it is killed. */
const floorRunTimeoutMs = 30_000;
/** Batches the native floor benchmark times unless told otherwise (median and p99 are over per-batch averages). */
export const floorBatches = 200;
/** Round trips in one batch of the native floor benchmark. */
const floorRoundsPerBatch = 1_000;
/** The native benchmark's own caps (native/cacheline-pingpong.c); the harness never asks for more. */
const floorBatchesMax = 10_000;
const floorRoundsPerBatchMax = 100_000;

assertLimit(
  floorBatches <= floorBatchesMax,
  "floor batches within the native program's cap",
  "bench/floor.ts",
);
assertLimit(
  floorRoundsPerBatch <= floorRoundsPerBatchMax,
  "floor batch size within the native program's cap",
  "bench/floor.ts",
);
assertLimit(floorCompileTimeoutMs > 0 && floorRunTimeoutMs > 0, "floor waits are positive", "bench/floor.ts");

export interface FloorOptions {
  /** The two CPUs to pin the threads to; defaults to [0, 1] (or [0, 0] on a one-CPU machine). */
  cpus?: readonly [number, number];
  batches?: number;
  roundsPerBatch?: number;
  /** The C compiler to run; defaults to `cc` on PATH. */
  compiler?: string;
  /** Where the private cache directory is made (multikernel-native-<uid>); defaults to os.tmpdir(). */
  cacheRoot?: string;
}

export interface FloorResult {
  oneWayNsMedian: number;
  oneWayNsP99: number;
  rounds: number;
  batches: number;
  cpus: readonly [number, number];
}

export type FloorOutcome = { result: FloorResult } | { result: null; reason: string };

const sourceName = "cacheline-pingpong.c";
const compilerFlags = ["-O2", "-pthread"];
const outputBytesMax = 64 * 1024;

/** Measures the floor, or returns null where it cannot (the reason goes to `onUnavailable`). */
export async function measureFloor(
  options: FloorOptions = {},
  onUnavailable: (reason: string) => void = () => {},
): Promise<FloorResult | null> {
  const outcome = await measureFloorOutcome(options);
  if (outcome.result === null) onUnavailable(outcome.reason);
  return outcome.result;
}

/** Measures the floor; the outcome carries either the result or why there is none. */
export async function measureFloorOutcome(options: FloorOptions = {}): Promise<FloorOutcome> {
  const cpus = options.cpus ?? defaultCpus();
  const batches = options.batches ?? floorBatches;
  const roundsPerBatch = options.roundsPerBatch ?? floorRoundsPerBatch;
  checkInteger("batches", batches, 1, floorBatchesMax);
  checkInteger("roundsPerBatch", roundsPerBatch, 1, floorRoundsPerBatchMax);
  for (const cpu of cpus) checkInteger("cpus", cpu, 0, 1023);

  const built = await compileFloor(options.compiler ?? "cc", options.cacheRoot ?? tmpdir());
  if ("reason" in built) return { result: null, reason: built.reason };
  const args = [cpus[0], cpus[1], batches, roundsPerBatch].map(String);
  let stdout: string;
  try {
    stdout = (await run(built.binaryPath, args, floorRunTimeoutMs)).stdout;
  } catch (error) {
    return { result: null, reason: `the floor benchmark failed: ${describe(error)}` };
  }
  const parsed = parseFloorLine(stdout);
  if (typeof parsed === "string") return { result: null, reason: parsed };
  return { result: { ...parsed, cpus } };
}

/** Parses the program's JSON line, or returns why it cannot be parsed. */
export function parseFloorLine(stdout: string): Omit<FloorResult, "cpus"> | string {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return `the floor benchmark printed no JSON line: ${JSON.stringify(line.slice(0, 200))}`;
  }
  const record = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const { oneWayNsMedian, oneWayNsP99, rounds, batches } = record;
  if (
    typeof oneWayNsMedian !== "number" ||
    typeof oneWayNsP99 !== "number" ||
    typeof rounds !== "number" ||
    typeof batches !== "number" ||
    ![oneWayNsMedian, oneWayNsP99, rounds, batches].every(Number.isFinite)
  ) {
    return `the floor benchmark printed an unexpected object: ${line.slice(0, 200)}`;
  }
  return { oneWayNsMedian, oneWayNsP99, rounds, batches };
}

/** Where native/ is: beside the package root, from dist/src/bench/floor.js or from src/bench/floor.ts. */
export function nativeSourcePath(): string {
  const candidates = ["../../../native/", "../../native/"].map((dir) =>
    fileURLToPath(new URL(dir + sourceName, import.meta.url)),
  );
  return candidates.find((path) => existsSync(path)) ?? (candidates[0] as string);
}

type Built = { binaryPath: string } | { reason: string };

/** Where the floor binary for `compiler` is cached under `cacheRoot`: the private directory and the binary. */
export function floorCachePaths(
  source: Buffer,
  compiler: string,
  cacheRoot: string,
): { dir: string; binaryPath: string } {
  const hash = createHash("sha256")
    .update(source)
    .update([compiler, ...compilerFlags].join(" "))
    .update(process.platform + process.arch)
    .digest("hex")
    .slice(0, 16);
  const dir = join(cacheRoot, `multikernel-native-${process.getuid?.() ?? "user"}`);
  return { dir, binaryPath: join(dir, `cacheline-pingpong-${hash}`) };
}

async function compileFloor(compiler: string, cacheRoot: string): Promise<Built> {
  const sourcePath = nativeSourcePath();
  let source: Buffer;
  try {
    source = await readFile(sourcePath);
  } catch (error) {
    return { reason: `cannot read ${sourcePath}: ${describe(error)}` };
  }
  const { dir, binaryPath } = floorCachePaths(source, compiler, cacheRoot);
  try {
    await ensurePrivateDir(dir);
    if (await existsChecked(binaryPath)) return { binaryPath };
  } catch (error) {
    return { reason: `the floor's cache is not private to this user: ${describe(error)}` };
  }
  return compileInto(compiler, sourcePath, binaryPath);
}

/** Whether the cached binary exists; throws if it exists but is not the user's own executable. */
async function existsChecked(binaryPath: string): Promise<boolean> {
  try {
    await checkOwnExecutable(binaryPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  if (!(await isExecutable(binaryPath))) throw new UntrustedPathError(`${binaryPath}: is not executable`);
  return true;
}

async function compileInto(compiler: string, sourcePath: string, binaryPath: string): Promise<Built> {
  // Compile under a private name and rename, so that two runs at once never see half a binary.
  const partialPath = `${binaryPath}.${process.pid}.partial`;
  try {
    await run(compiler, [...compilerFlags, "-o", partialPath, sourcePath], floorCompileTimeoutMs);
    await rename(partialPath, binaryPath);
    await checkOwnExecutable(binaryPath);
  } catch (error) {
    await rm(partialPath, { force: true });
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { reason: `no C compiler: '${compiler}' is not on PATH` };
    }
    return { reason: `compiling ${sourceName} with '${compiler}' failed: ${describe(error)}` };
  }
  return { binaryPath };
}

function run(file: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: outputBytesMax, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) {
          const detail = stderr.trim() ? ` (${stderr.trim().slice(0, 500)})` : "";
          const timedOut = error.killed === true ? ` after the ${timeoutMs} ms bound` : "";
          reject(
            Object.assign(new Error(`${error.message.split("\n")[0]}${timedOut}${detail}`), {
              code: error.code,
            }),
          );
        } else {
          resolve({ stdout, stderr });
        }
      },
    );
  });
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function defaultCpus(): readonly [number, number] {
  return osCpus().length >= 2 ? [0, 1] : [0, 0];
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`measureFloor: ${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
}

function describe(error: unknown): string {
  return describeThrown(error);
}
