// `multikernel bench boot --cores N`: how long a boot takes, from the start of every core's thread
// to every monitor connected (`bootMs`), over several boots; the SKB's measurement is not part of it.
// Beside it, in the same runs, `workerStartMs`: a bare worker thread started and answering its first
// message (bench/worker-start.ts), the floor under any core's start, and the ratio of the two; and
// `modulesBootMs`: the same boot with every core loading its modules one by one rather than from
// the core's bundle (platform/real/core-bundle.ts), what the bundle saves. `coreStart` says whether
// the timed boots started from the bundle ("bundle") or could not ("modules: why").
import { availableParallelism } from "node:os";
import { formatRatio, printResult, progress } from "../../bench/report.js";
import { percentileSorted } from "../../bench/stats.js";
import { timeWorkerStart } from "../../bench/worker-start.js";
import { realCoresMax } from "../../limits.js";
import { boot } from "../../platform/real/boot.js";
import { coreCountArgument, integerArgument } from "../arguments.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

/** Boots timed unless `--runs` says otherwise. */
const bootBenchRuns = 5;
/** Most boots one run may be asked for. */
const bootBenchRunsMax = 100;

interface Samples {
  /** Where the last timed boot's cores started ("bundle", or "modules: why"). */
  coreStart: string;
  readonly bootMs: number[];
  readonly modulesBootMs: number[];
  readonly workerStartMs: number[];
}

/** One boot and its shutdown; returns bootMs and where its cores started. */
async function timeBoot(cores: number, bundledCore: boolean): Promise<{ bootMs: number; coreStart: string }> {
  const system = await boot({ cores, measureLatency: false, bundledCore });
  await system.shutdown();
  const entry = system.coreStart;
  return { bootMs: system.bootMs, coreStart: entry?.bundled ? "bundle" : `modules: ${entry?.reason}` };
}

/** One run: a bare worker's start, a boot (from the bundle), and a boot from the modules. */
async function timeOneRun(cores: number, samples: Samples): Promise<void> {
  const workerStartMs = await timeWorkerStart();
  const { bootMs, coreStart } = await timeBoot(cores, true);
  const modulesBootMs = (await timeBoot(cores, false)).bootMs;
  samples.coreStart = coreStart;
  samples.bootMs.push(bootMs);
  samples.modulesBootMs.push(modulesBootMs);
  samples.workerStartMs.push(workerStartMs);
  progress(
    `  bootMs ${bootMs.toFixed(1)}, from the modules ${modulesBootMs.toFixed(1)}, workerStartMs ${workerStartMs.toFixed(1)}`,
  );
}

function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

function median(sorted: readonly number[]): number {
  return percentileSorted(sorted, 50);
}

function report(options: { cores: number; runs: number; json: boolean }, samples: Samples): void {
  const boots = sortedCopy(samples.bootMs);
  const workers = sortedCopy(samples.workerStartMs);
  const bootMs = median(boots);
  const workerStartMs = median(workers);
  const modulesBootMs = median(sortedCopy(samples.modulesBootMs));
  const bootVsWorkerStart = bootMs / workerStartMs;
  const coreStart = samples.coreStart;
  const json = {
    benchmark: "boot",
    cores: options.cores,
    cpus: availableParallelism(),
    runs: options.runs,
    bootMs,
    bootMsMin: boots[0],
    bootMsMax: boots.at(-1),
    samplesMs: samples.bootMs,
    coreStart,
    modulesBootMs,
    modulesSamplesMs: samples.modulesBootMs,
    workerStartMs,
    workerStartSamplesMs: samples.workerStartMs,
    bootVsWorkerStart,
  };
  printResult(
    `bench boot (${options.cores} cores on ${availableParallelism()} CPUs)`,
    [
      { label: "bootMs (median)", value: `${bootMs.toFixed(1)} ms`, note: `${options.runs} boots` },
      { label: "bootMs (min / max)", value: `${boots[0]!.toFixed(1)} / ${boots.at(-1)!.toFixed(1)} ms` },
      { label: "cores started from", value: coreStart },
      {
        label: "the same boot from the modules",
        value: `${modulesBootMs.toFixed(1)} ms`,
        note: "every core loading its modules one by one, in the same runs",
      },
      {
        label: "workerStartMs (median)",
        value: `${workerStartMs.toFixed(1)} ms`,
        note: "a bare worker started and answering, in the same runs",
      },
      { label: "bootMs / workerStartMs", value: formatRatio(bootVsWorkerStart) },
    ],
    json,
    commandOutput(options.json),
  );
}

export const registerBenchBoot: Registration = ({ bench }) => {
  bench
    .command("boot")
    .description("Time boots: start of every core to every monitor connected, beside a bare worker's start.")
    .option(
      "--cores <n>",
      `cores to boot, 1 to ${realCoresMax}`,
      coreCountArgument("--cores", 1, realCoresMax),
      availableParallelism(),
    )
    .option("--runs <n>", "boots to time", integerArgument("--runs", 1, bootBenchRunsMax), bootBenchRuns)
    .addOption(jsonOption())
    .action(async (options: { cores: number; runs: number; json: boolean }) => {
      const samples: Samples = { coreStart: "", bootMs: [], modulesBootMs: [], workerStartMs: [] };
      for (let i = 0; i < options.runs; i++) {
        progress(`boot ${i + 1}/${options.runs} of ${options.cores} cores…`);
        await timeOneRun(options.cores, samples);
      }
      report(options, samples);
    });
};
