// `multikernel bench unmap [--cores N] [--json]`: the end-to-end unmap call on this machine's cores,
// per message protocol (monitor included), against the shared-memory baseline.
//
// Runs examples/tlb-shootdown.js on N booted cores (src/bench/shootdown-real.ts) and prints, per protocol,
// the median latency of `unmap` as the domain sees it and its ratio to the baseline's; with --json,
// alone on standard output, {"machine": "host", "cores": N, "results": [{"protocol", "cores", "latencyNs",
// "vsSharedMemory"}]}.
import { availableParallelism } from "node:os";
import { formatNs, printResult } from "../../bench/report.js";
import { measureShootdownReal, unmapFigure } from "../../bench/shootdown-real.js";
import { realCoresMax } from "../../limits.js";
import { coreCountArgument } from "../arguments.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

export const registerBenchUnmap: Registration = ({ bench }) => {
  bench
    .command("unmap")
    .description("Unmap on real cores: each shootdown protocol's end-to-end latency against shared memory.")
    .option(
      "--cores <n>",
      `cores to boot, 2 to ${realCoresMax}`,
      coreCountArgument("--cores", 2, realCoresMax),
      Math.max(2, availableParallelism()),
    )
    .addOption(jsonOption())
    .action(async (options: { cores: number; json: boolean }) => {
      const figure = unmapFigure(await measureShootdownReal([options.cores]), options.cores);
      printResult(
        `bench unmap (${options.cores} cores on ${availableParallelism()} CPUs, unmap call: median / mean / p99 / max)`,
        figure.results.map((r) => ({
          label: r.protocol,
          value: [r.latencyNs, r.meanNs, r.p99Ns, r.maxNs].map((ns) => formatNs(ns ?? null)).join(" / "),
          note: r.vsSharedMemory === null ? "" : `median ${r.vsSharedMemory}× shared-memory`,
        })),
        figure,
        commandOutput(options.json),
      );
    });
};
