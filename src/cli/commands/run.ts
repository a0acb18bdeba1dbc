// `multikernel run PROGRAM [--cores N | --core-list 0-3]`: boots, spawns the domain PROGRAM (a
// module exporting `main(ctx)`) on the given cores through the monitors, prints what it prints
// prefixed by core, and exits with its status (the first non-zero status of its dispatchers; 1 if
// one threw). With --json what it prints goes to standard error and its result to standard output.
// `--timeout MS` bounds the run: past it the command fails naming the domain and the cores whose
// main still runs. A core declared failed meanwhile (a domain busy-looping on it stops its
// heartbeats: src/monitor/liveness.ts) fails the command naming that core. Either way the system
// is shut down (a failed core's worker terminated) and the process ends with status 1.
import { availableParallelism } from "node:os";
import { coresMax, domainRunTimeoutMs, runTimeoutMsMax } from "../../limits.js";
import { boot } from "../../platform/real/boot.js";
import { integerArgument } from "../arguments.js";
import { chosenCores, coreCountOption, coreListOption, firstCores } from "../core-options.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

export const registerRun: Registration = ({ program }) => {
  program
    .command("run")
    .description(
      "Boot, run a domain (a module exporting main(ctx)) on the given cores, and exit with its status.",
    )
    .argument("<program>", "path of the domain's module (.js)")
    .addOption(coreCountOption(coresMax, "run on cores 0..N-1 (default: every core)"))
    .addOption(coreListOption(coresMax, "the cores the domain spans, e.g. 0-3 or 0,2,5"))
    .option(
      "--timeout <ms>",
      `bound the run: past MS ms, fail naming the cores still running (default ${domainRunTimeoutMs})`,
      integerArgument("--timeout", 1, runTimeoutMsMax),
    )
    .option("--trace <file>", "write every core's messages and handlers as a Chrome trace (Perfetto) to FILE")
    .addOption(jsonOption())
    .action(
      async (
        programPath: string,
        options: {
          cores?: number;
          coreList?: readonly number[];
          json: boolean;
          trace?: string;
          timeout?: number;
        },
      ) => {
        const output = commandOutput(options.json);
        const cores = chosenCores(options, firstCores(availableParallelism()));
        const bootCores = Math.max(availableParallelism(), ...cores.map((c) => c + 1));
        const system = await boot({
          cores: bootCores,
          measureLatency: false,
          ...(options.trace === undefined ? {} : { trace: options.trace }),
          ...(options.timeout === undefined ? {} : { runTimeoutMs: options.timeout }),
          onLog: (line) => {
            if (!line.startsWith("[boot") || process.env.MULTIKERNEL_DEBUG) output.text(line);
          },
        });
        let status = 1;
        try {
          const result = await system.run(programPath, cores);
          status = result.status;
          for (const exit of result.exits) {
            if (exit.error !== "") process.stderr.write(`core ${exit.core}: domain failed: ${exit.error}\n`);
          }
          output.json(result);
        } finally {
          await system.shutdown();
        }
        process.exitCode = status;
      },
    );
};
