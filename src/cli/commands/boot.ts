// `multikernel boot`: boots a multikernel on this machine's cores, prints the boot log (each step
// with its time), the SKB's measured latency matrix and groups, and shuts down cleanly. With
// --json the log goes to standard error and standard output is one JSON object: cores, bootMs,
// pinned (one boolean per core), latencyNs (the SKB's matrix), packages, bootLog.
import { availableParallelism } from "node:os";
import { realCoresMax } from "../../limits.js";
import { boot } from "../../platform/real/boot.js";
import { formatSkb } from "../../skb/format.js";
import { coreCountArgument } from "../arguments.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

export const registerBoot: Registration = ({ program }) => {
  program
    .command("boot")
    .description("Boot one CPU driver and monitor per core, measure the SKB, print the boot log, shut down.")
    .option(
      "--cores <n>",
      `cores to boot, 1 to ${realCoresMax}`,
      coreCountArgument("--cores", 1, realCoresMax),
      availableParallelism(),
    )
    .option("--no-pin", "do not pin each core's thread to its CPU")
    .option("--trace <file>", "write every core's messages and handlers as a Chrome trace (Perfetto) to FILE")
    .addOption(jsonOption())
    .action(async (options: { cores: number; pin: boolean; json: boolean; trace?: string }) => {
      const output = commandOutput(options.json);
      const out = (line: string) => output.text(line);
      const system = await boot({
        cores: options.cores,
        pin: options.pin,
        onLog: out,
        ...(options.trace === undefined ? {} : { trace: options.trace }),
      });
      try {
        if (system.skb !== undefined) out(formatSkb(system.skb, 0));
      } finally {
        await system.shutdown();
      }
      out(`[boot] shut down cleanly`);
      output.json({
        cores: system.cores,
        bootMs: system.bootMs,
        pinned: system.pinned,
        latencyNs: system.latencyNs,
        packages: system.skb?.packages() ?? [],
        bootLog: system.bootLog,
      });
    });
};
