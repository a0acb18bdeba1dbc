// `multikernel bench idle --cores N`: the CPU a booted core burns with nothing to do
// (`idleCpuPercent`: its thread's CPU time over `idleWindowMs`, as a percentage of the window, for
// the worst core; bench/idle.ts), with each core's figure. The system is booted without the SKB's
// measurement and left alone for `idleSettleMs` first, so that the window sees an idle core, not
// the tail of its boot. Where /proc cannot be read, it says so instead of printing a number.
import { availableParallelism } from "node:os";
import { idleSettleMs, idleWindowMs, measureIdle } from "../../bench/idle.js";
import { printResult, progress, type ReportRow } from "../../bench/report.js";
import { realCoresMax } from "../../limits.js";
import { boot } from "../../platform/real/boot.js";
import { coreCountArgument } from "../arguments.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

export const registerBenchIdle: Registration = ({ bench }) => {
  bench
    .command("idle")
    .description("CPU time of idle booted cores over one window, as a percentage (worst core).")
    .option(
      "--cores <n>",
      `cores to boot, 1 to ${realCoresMax}`,
      coreCountArgument("--cores", 1, realCoresMax),
      availableParallelism(),
    )
    .addOption(jsonOption())
    .action(async (options: { cores: number; json: boolean }) => {
      progress(
        `boot ${options.cores} cores, leave them idle ${idleSettleMs} ms, measure ${idleWindowMs} ms…`,
      );
      const system = await boot({ cores: options.cores, measureLatency: false });
      let result: Awaited<ReturnType<typeof measureIdle>>;
      try {
        await new Promise((resolve) => setTimeout(resolve, idleSettleMs));
        result = await measureIdle(system, idleWindowMs);
      } finally {
        await system.shutdown();
      }
      const base = {
        benchmark: "idle",
        cores: options.cores,
        cpus: availableParallelism(),
        windowMs: idleWindowMs,
      };
      const title = `bench idle (${options.cores} cores on ${availableParallelism()} CPUs)`;
      if (!result.measured) {
        progress(`bench idle: cannot measure a core's CPU time: ${result.reason}`);
        const rows: ReportRow[] = [{ label: "idleCpuPercent", value: "n/a", note: result.reason }];
        printResult(
          title,
          rows,
          { ...base, idleCpuPercent: null, unavailable: result.reason },
          commandOutput(options.json),
        );
        return;
      }
      const rows: ReportRow[] = [
        {
          label: "idleCpuPercent (worst core)",
          value: `${result.idleCpuPercent.toFixed(2)} %`,
          note: `of a ${idleWindowMs} ms window`,
        },
        ...result.cores.map((core) => ({
          label: `core ${core.core}`,
          value: `${core.cpuPercent.toFixed(2)} %`,
          note: `${(core.cpuNs / 1e6).toFixed(2)} ms on CPU in ${core.windowMs.toFixed(1)} ms`,
        })),
      ];
      const json = {
        ...base,
        idleCpuPercent: result.idleCpuPercent,
        perCoreCpuPercent: result.cores.map((core) => core.cpuPercent),
      };
      printResult(title, rows, json, commandOutput(options.json));
    });
};
