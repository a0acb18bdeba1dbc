// `multikernel bench boot --cores N`: how long a boot takes, from the first worker's start to every
// monitor connected (`bootMs`), over several boots; the SKB's measurement is not part of it.
import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { printResult, progress } from "../../bench/report.js";
import { coresMax } from "../../limits.js";
import { boot } from "../../platform/real/boot.js";
import { integerArgument } from "../arguments.js";
import type { Registration } from "../registration.js";

/** Boots timed unless `--runs` says otherwise. */
const bootBenchRuns = 5;
/** Most boots one run may be asked for. */
const bootBenchRunsMax = 100;

export const registerBenchBoot: Registration = ({ bench }) => {
  bench
    .command("boot")
    .description("Time boots: start of the first core to every monitor connected.")
    .option(
      "--cores <n>",
      `cores to boot, 1 to ${coresMax}`,
      integerArgument("--cores", 1, coresMax),
      availableParallelism(),
    )
    .option("--runs <n>", "boots to time", integerArgument("--runs", 1, bootBenchRunsMax), bootBenchRuns)
    .option("--json", "print one JSON object as the last line", false)
    .action(async (options: { cores: number; runs: number; json: boolean }) => {
      const samples: number[] = [];
      for (let i = 0; i < options.runs; i++) {
        progress(`boot ${i + 1}/${options.runs} of ${options.cores} cores…`);
        const started = performance.now();
        const system = await boot({ cores: options.cores, measureLatency: false });
        const shutdownStart = performance.now();
        samples.push(system.bootMs);
        await system.shutdown();
        progress(
          `  bootMs ${system.bootMs.toFixed(1)}, shutdown ${(performance.now() - shutdownStart).toFixed(1)} ms, total ${(performance.now() - started).toFixed(1)} ms`,
        );
      }
      const sorted = [...samples].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      const json = {
        benchmark: "boot",
        cores: options.cores,
        cpus: availableParallelism(),
        runs: options.runs,
        bootMs: median,
        bootMsMin: sorted[0],
        bootMsMax: sorted.at(-1),
        samplesMs: samples,
      };
      printResult(
        `bench boot (${options.cores} cores on ${availableParallelism()} CPUs)`,
        [
          { label: "bootMs (median)", value: `${median.toFixed(1)} ms`, note: `${options.runs} boots` },
          {
            label: "bootMs (min / max)",
            value: `${sorted[0]!.toFixed(1)} / ${sorted.at(-1)!.toFixed(1)} ms`,
          },
        ],
        json,
        options.json,
      );
    });
};
