// Pinning the calling worker thread to one CPU, on Linux, with `taskset` on the thread's id.
//
// Node does not expose a worker's kernel thread id, but /proc/thread-self, read from the thread
// itself, names it ("<pid>/task/<tid>"). `taskset -p -c CPU TID` then sets that thread's affinity.
// We chose taskset over a native addon: it needs no compiler at install time, it costs one process
// start (a few milliseconds) per core at boot only, and where it is missing or refused the system
// still runs and says so (docs/platform.md).
import { execFileSync } from "node:child_process";
import { readlinkSync } from "node:fs";

export interface PinResult {
  readonly pinned: boolean;
  /** Why not, when not pinned. */
  readonly reason?: string;
}

const tasksetTimeoutMs = 5_000;

export function pinCurrentThread(cpu: number): PinResult {
  if (process.platform !== "linux")
    return { pinned: false, reason: `pinning is Linux-only (${process.platform})` };
  let tid: string;
  try {
    tid = readlinkSync("/proc/thread-self").split("/").pop() ?? "";
  } catch (error) {
    return { pinned: false, reason: `cannot read /proc/thread-self: ${(error as Error).message}` };
  }
  try {
    execFileSync("taskset", ["-p", "-c", String(cpu), tid], { stdio: "ignore", timeout: tasksetTimeoutMs });
    return { pinned: true };
  } catch (error) {
    return {
      pinned: false,
      reason: `taskset -p -c ${cpu} ${tid} failed: ${(error as Error).message.split("\n")[0]}`,
    };
  }
}
