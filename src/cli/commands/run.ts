// `multikernel run PROGRAM --cores 0-3`: boots, spawns the domain PROGRAM (a module exporting
// `main(ctx)`) on the given cores through the monitors, prints what it prints prefixed by core, and
// exits with its status (the first non-zero status of its dispatchers; 1 if one threw).
import { availableParallelism } from "node:os";
import { coresMax } from "../../limits.js";
import { boot } from "../../platform/real/boot.js";
import { coreListArgument } from "../arguments.js";
import type { Registration } from "../registration.js";

export const registerRun: Registration = ({ program }) => {
  program
    .command("run")
    .description(
      "Boot, run a domain (a module exporting main(ctx)) on the given cores, and exit with its status.",
    )
    .argument("<program>", "path of the domain's module (.js)")
    .option(
      "--cores <list>",
      "cores the domain spans, e.g. 0-3 or 0,2 (default: every core)",
      coreListArgument("--cores", coresMax),
    )
    .option("--trace <file>", "write every core's messages and handlers as a Chrome trace (Perfetto) to FILE")
    .option("--json", "print the domain's result as one JSON object on the last line", false)
    .action(
      async (programPath: string, options: { cores?: readonly number[]; json: boolean; trace?: string }) => {
        const cores = options.cores ?? Array.from({ length: availableParallelism() }, (_, i) => i);
        const bootCores = Math.max(availableParallelism(), ...cores.map((c) => c + 1));
        const system = await boot({
          cores: bootCores,
          measureLatency: false,
          ...(options.trace === undefined ? {} : { trace: options.trace }),
          onLog: (line) => {
            if (!line.startsWith("[boot") || process.env.MULTIKERNEL_DEBUG) process.stdout.write(`${line}\n`);
          },
        });
        let status = 1;
        try {
          const result = await system.run(programPath, cores);
          status = result.status;
          for (const exit of result.exits) {
            if (exit.error !== "") process.stderr.write(`core ${exit.core}: domain failed: ${exit.error}\n`);
          }
          if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
        } finally {
          await system.shutdown();
        }
        process.exitCode = status;
      },
    );
};
