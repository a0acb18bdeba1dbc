// `bench idle`: how much CPU a booted core burns with nothing to do.
//
// Each core's thread CPU time is read inside its own worker (Multikernel.cpuTimes, from
// /proc/thread-self/schedstat) at the start and at the end of a window of `windowMs`; a core's idle
// load is the CPU time it spent in the window as a percentage of the window's length (measured
// between its own two reads). The figure is the worst core's. The two reads are control requests:
// each wakes the core once, a cost counted in the window like any other. Where a core cannot read
// its CPU time (no /proc), the result says why instead of giving a number.
import { assertLimit } from "../limits.js";
import type { CoreCpuTime, Multikernel } from "../platform/real/boot.js";

/** The window over which an idle core's CPU time is measured. */
export const idleWindowMs = 1_000;
/** How long the booted system is left alone before the window opens (the tail of its boot). */
export const idleSettleMs = 500;

assertLimit(idleWindowMs > 0 && idleSettleMs >= 0, "bench idle's window is positive", "bench/idle.ts");

export interface IdleCore {
  readonly core: number;
  /** CPU time over the window, as a percentage of the window. */
  readonly cpuPercent: number;
  readonly cpuNs: number;
  readonly windowMs: number;
}

export type IdleResult =
  | { readonly measured: true; readonly cores: readonly IdleCore[]; readonly idleCpuPercent: number }
  | { readonly measured: false; readonly reason: string };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One core's load between two reads; a string saying why where either read failed. */
function coreLoad(start: CoreCpuTime, end: CoreCpuTime): IdleCore | string {
  if (start.cpuNs === null || end.cpuNs === null)
    return `core ${start.core}: ${start.error ?? end.error ?? "no CPU time"}`;
  const windowMs = end.atMs - start.atMs;
  if (!(windowMs > 0))
    return `core ${start.core}: its two reads are not in time order (${windowMs} ms apart)`;
  const cpuNs = end.cpuNs - start.cpuNs;
  return { core: start.core, cpuPercent: (cpuNs / (windowMs * 1e6)) * 100, cpuNs, windowMs };
}

/** Measures every core of a booted, idle system over `windowMs`. */
export async function measureIdle(system: Multikernel, windowMs: number): Promise<IdleResult> {
  const starts = await system.cpuTimes();
  await sleep(windowMs);
  const ends = await system.cpuTimes();
  const cores: IdleCore[] = [];
  for (const [i, start] of starts.entries()) {
    const load = coreLoad(start, ends[i]!);
    if (typeof load === "string") return { measured: false, reason: load };
    cores.push(load);
  }
  const idleCpuPercent = Math.max(...cores.map((core) => core.cpuPercent));
  return { measured: true, cores, idleCpuPercent };
}
