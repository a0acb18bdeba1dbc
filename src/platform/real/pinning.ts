// Pinning the calling worker thread to one CPU, on Linux, with `taskset` on the thread's id.
//
// Node does not expose a worker's kernel thread id, but /proc/thread-self, read from the thread
// itself, names it ("<pid>/task/<tid>"). `taskset -p -c CPU TID` then sets that thread's affinity.
// We chose taskset over a native addon: it needs no compiler at install time, it costs one process
// start (a few milliseconds) per core at boot only, and where it is missing or refused the system
// still runs and says so (docs/platform.md). The process runs asynchronously: a core's entry
// (core-entry.ts) starts it before loading the core's program, so that the two overlap, and the
// program takes the result from `pinningOfThisThread` once it is loaded.
import { execFile } from "node:child_process";
import { readlinkSync } from "node:fs";

export interface PinResult {
  readonly pinned: boolean;
  /** Why not, when not pinned. */
  readonly reason?: string;
}

const tasksetTimeoutMs = 5_000;

/** Pins the calling thread to `cpu`; resolves (never rejects) with whether it worked, and why not. */
export function pinCurrentThread(cpu: number): Promise<PinResult> {
  if (process.platform !== "linux")
    return Promise.resolve({ pinned: false, reason: `pinning is Linux-only (${process.platform})` });
  let tid: string;
  try {
    tid = readlinkSync("/proc/thread-self").split("/").pop() ?? "";
  } catch (error) {
    return Promise.resolve({
      pinned: false,
      reason: `cannot read /proc/thread-self: ${(error as Error).message}`,
    });
  }
  return new Promise((resolve) => {
    execFile("taskset", ["-p", "-c", String(cpu), tid], { timeout: tasksetTimeoutMs }, (error) => {
      if (error === null) resolve({ pinned: true });
      else
        resolve({
          pinned: false,
          reason: `taskset -p -c ${cpu} ${tid} failed: ${error.message.split("\n")[0]}`,
        });
    });
  });
}

/** The pinning this thread's entry started, if any (one per thread: each worker has its own copy). */
let pinning: Promise<PinResult> | undefined;

/** Starts pinning this thread to `cpu` (null: not asked to), once; later calls are ignored. */
export function startPinningThisThread(cpu: number | null): void {
  pinning ??=
    cpu === null ? Promise.resolve({ pinned: false, reason: "not asked to pin" }) : pinCurrentThread(cpu);
}

/** The result of the pinning `startPinningThisThread` started; it throws if none was. */
export function pinningOfThisThread(): Promise<PinResult> {
  if (pinning === undefined) throw new Error("pinningOfThisThread: no pinning was started on this thread");
  return pinning;
}
