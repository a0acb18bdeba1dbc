// The multikernel run of `multikernel bench kv`: boot N cores, run the kv-bench domain on all of
// them (bench/domains/kv-bench.ts), and combine the report each core prints.
//
// The settings go to the cores through the environment, written before the boot (their workers
// inherit it). Each core prints its report as one `kv-bench: {...}` line; a line travels on a
// different port from the domain's end, so after the domain ends the reports are awaited, bounded
// by kvReportWaitMs. A core whose domain failed (a wrong get, a failed call) fails the measurement
// with its error. The system is shut down in every case.
import { fileURLToPath } from "node:url";
import { boot } from "../platform/real/boot.js";
import { kvBenchResultPrefix } from "./domains/kv-bench.js";
import { combineKvResults, type KvClientResult, type KvFigures } from "./kv-figures.js";
import { type KvSettings, kvReportPollMs, kvReportWaitMs, writeKvSettings } from "./kv-settings.js";

const domainPath = fileURLToPath(new URL("./domains/kv-bench.js", import.meta.url));

/** Runs the workload as a domain on `cores` cores; resolves with the combined figures. */
export async function measureMultikernelKv(cores: number, settings: KvSettings): Promise<KvFigures> {
  writeKvSettings(settings);
  const reports: KvClientResult[] = [];
  const system = await boot({
    cores,
    measureLatency: false,
    onLog: (line) => {
      const at = line.indexOf(kvBenchResultPrefix);
      if (at >= 0) reports.push(JSON.parse(line.slice(at + kvBenchResultPrefix.length)) as KvClientResult);
    },
  });
  try {
    const result = await system.run(domainPath, system.coreIds);
    if (result.status !== 0) {
      const errors = result.exits
        .filter((exit) => exit.status !== 0)
        .map((exit) => `core ${exit.core}: ${exit.error}`);
      throw new Error(`bench kv: the kv-bench domain failed: ${errors.join("; ")}`);
    }
    await waitForReports(reports, cores);
  } finally {
    await system.shutdown();
  }
  return combineKvResults(reports, cores);
}

async function waitForReports(reports: readonly KvClientResult[], cores: number): Promise<void> {
  for (let waitedMs = 0; reports.length < cores; waitedMs += kvReportPollMs) {
    if (waitedMs >= kvReportWaitMs)
      throw new Error(
        `bench kv: ${reports.length} of ${cores} cores reported within ${kvReportWaitMs} ms of the domain's end`,
      );
    await new Promise((resolve) => setTimeout(resolve, kvReportPollMs));
  }
}
