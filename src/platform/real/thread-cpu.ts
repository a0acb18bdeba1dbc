// The CPU time of the calling thread, from Linux's /proc/thread-self/schedstat.
//
// The file holds three numbers: nanoseconds the thread has spent on a CPU, nanoseconds it has
// waited on a run queue, and how many time slices it ran. Read from inside a core's worker, the
// first is that core's CPU time (Node has no per-thread CPU clock: process.cpuUsage() counts every
// thread of the process). Where /proc is missing (not Linux, or a kernel without schedstat) the
// read says why instead of guessing a number.
import { readFileSync } from "node:fs";

export const threadSchedstatPath = "/proc/thread-self/schedstat";

export type ThreadCpuRead = { readonly cpuNs: number } | { readonly error: string };

/** Parses schedstat's text: its first field is the thread's time on a CPU, in ns. */
export function parseSchedstat(text: string): ThreadCpuRead {
  const first = text.trim().split(/\s+/)[0] ?? "";
  const cpuNs = Number(first);
  if (first === "" || !Number.isSafeInteger(cpuNs) || cpuNs < 0)
    return { error: `${threadSchedstatPath}: unexpected content "${text.trim()}"` };
  return { cpuNs };
}

/** The calling thread's CPU time so far. */
export function readThreadCpu(): ThreadCpuRead {
  let text: string;
  try {
    text = readFileSync(threadSchedstatPath, "utf8");
  } catch (error) {
    return { error: `cannot read ${threadSchedstatPath}: ${(error as Error).message}` };
  }
  return parseSchedstat(text);
}
