// `multikernel bench unmap [--cores N] [--json]`: the end-to-end unmap call on this machine's cores,
// per message protocol (monitor included), against the shared-memory baseline.
//
// Runs examples/tlb-shootdown.js on N booted cores (shootdown-real.ts) and prints, per protocol,
// the median latency of `unmap` as the domain sees it and its ratio to the baseline's; with --json,
// as the last line, {"machine": "host", "cores": N, "results": [{"protocol", "cores", "latencyNs",
// "vsSharedMemory"}]}.
import { availableParallelism } from "node:os";
import { formatNs, printResult } from "../../bench/report.js";
import { coresMax } from "../../limits.js";
import { integerArgument } from "../arguments.js";
import type { Registration } from "../registration.js";
import { measureShootdownReal } from "./shootdown-real.js";

export const registerBenchUnmap: Registration = ({ bench }) => {
  bench
    .command("unmap")
    .description("Unmap on real cores: each shootdown protocol's end-to-end latency against shared memory.")
    .option(
      "--cores <n>",
      `cores to boot, 2 to ${coresMax}`,
      integerArgument("--cores", 2, coresMax),
      Math.max(2, availableParallelism()),
    )
    .option("--json", "print one JSON object as the last line", false)
    .action(async (options: { cores: number; json: boolean }) => {
      const figure = await measureShootdownReal([options.cores]);
      const baseline = figure.results.find((r) => r.protocol === "shared-memory")?.latencyNs;
      const results = figure.results.map((r) => ({
        ...r,
        vsSharedMemory: baseline === undefined ? null : Number((r.latencyNs / baseline).toFixed(2)),
      }));
      printResult(
        `bench unmap (${options.cores} cores on ${availableParallelism()} CPUs, median unmap call)`,
        results.map((r) => ({
          label: r.protocol,
          value: formatNs(r.latencyNs),
          note: r.vsSharedMemory === null ? "" : `${r.vsSharedMemory}× shared-memory`,
        })),
        { machine: "host", cores: options.cores, results },
        options.json,
      );
    });
};
