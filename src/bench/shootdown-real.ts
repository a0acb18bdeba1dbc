// The TLB-shootdown case study on this machine's cores, for `bench shootdown --real` and `bench unmap`.
//
// For each core count: boot that many cores (with the SKB measured, so numa-multicast has its
// tree), run examples/tlb-shootdown.js over all of them, read the line it prints
// (`tlb-shootdown: {"results": [...]}`), shut down. The latencies are the end-to-end unmap call as a
// domain sees it (monitor included for the message protocols), median over the example's
// repetitions, in nanoseconds of this host's clock. `unmapFigure` puts one core count's points beside
// the shared-memory baseline, as `bench unmap` and the report show them.
import { fileURLToPath } from "node:url";
import { boot } from "../platform/real/boot.js";
import { progress } from "./report.js";

/** Core counts measured unless told otherwise (`bench shootdown --real --core-counts`, the report). */
export const shootdownRealCoreCountsDefault: readonly number[] = [2, 4];

/** One measured point. */
export interface RealShootdownPoint {
  readonly protocol: string;
  readonly cores: number;
  readonly latencyNs: number;
  /** Mean, 99th percentile and slowest of the same unmaps (examples/tlb-shootdown prints them too). */
  readonly meanNs?: number;
  readonly p99Ns?: number;
  readonly maxNs?: number;
}

export interface RealShootdownFigure {
  readonly machine: "host";
  readonly results: RealShootdownPoint[];
}

/** One protocol's unmap on N cores beside the shared-memory baseline's (null where it was not measured). */
export interface UnmapPoint extends RealShootdownPoint {
  readonly vsSharedMemory: number | null;
}

/** `bench unmap`'s figure: every protocol's unmap on one core count. */
export interface UnmapFigure {
  readonly machine: "host";
  readonly cores: number;
  readonly results: UnmapPoint[];
}

/** What the example prints before its JSON (a line for tools; `start` leaves it out). */
export const shootdownLinePrefix = "tlb-shootdown: ";
/** Bound on one run of the example. */
const exampleRunTimeoutMs = 300_000;
/** How long the example's line may trail its result (it travels on another worker's port). */
const lineWaitMs = 5_000;
const linePollMs = 10;

/** The compiled example, from dist/src/bench/. */
function exampleProgram(): string {
  return fileURLToPath(new URL("../../examples/tlb-shootdown.js", import.meta.url));
}

async function waitForLine(lines: readonly string[]): Promise<string> {
  for (let waitedMs = 0; waitedMs <= lineWaitMs; waitedMs += linePollMs) {
    const line = lines.find((l) => l.includes(shootdownLinePrefix));
    if (line !== undefined) return line;
    await new Promise((resolve) => setTimeout(resolve, linePollMs));
  }
  throw new Error(`tlb-shootdown printed no result line within ${lineWaitMs} ms`);
}

/** Boots each core count in turn and runs the example; throws naming the failing core. */
export async function measureShootdownReal(coreCounts: readonly number[]): Promise<RealShootdownFigure> {
  const results: RealShootdownPoint[] = [];
  for (const cores of coreCounts) {
    progress(`tlb-shootdown on ${cores} real cores…`);
    const lines: string[] = [];
    const system = await boot({ cores, onLog: (line) => lines.push(line) });
    try {
      const run = await system.run(exampleProgram(), system.coreIds, exampleRunTimeoutMs);
      if (run.status !== 0) {
        const failed = run.exits.find((e) => e.status !== 0);
        throw new Error(`tlb-shootdown on ${cores} cores failed on core ${failed?.core}: ${failed?.error}`);
      }
      const line = await waitForLine(lines);
      const parsed = JSON.parse(
        line.slice(line.indexOf(shootdownLinePrefix) + shootdownLinePrefix.length),
      ) as {
        results: RealShootdownPoint[];
      };
      results.push(...parsed.results);
    } finally {
      await system.shutdown();
    }
  }
  return { machine: "host", results };
}

/** The points of `figure` on `cores` cores, each with its ratio to the shared-memory baseline's. */
export function unmapFigure(figure: RealShootdownFigure, cores: number): UnmapFigure {
  const points = figure.results.filter((r) => r.cores === cores);
  const baseline = points.find((r) => r.protocol === "shared-memory")?.latencyNs;
  const results = points.map((r) => ({
    ...r,
    vsSharedMemory: baseline === undefined ? null : Number((r.latencyNs / baseline).toFixed(2)),
  }));
  return { machine: "host", cores, results };
}
