// `multikernel run PROGRAM [--cores N | --core-list 0-3] [-- ARG…]`: boots, spawns the domain
// PROGRAM (a module exporting `main(ctx)`) on the given cores through the monitors, with the ARGs
// (every word after `--`, options included, and any word after PROGRAM that is not an option) as
// each core's `ctx.args`, a string array; prints what it prints prefixed by core, then each core's
// result (what main returned when it is not an exit status: exit-status.ts), and exits with its
// status (the first non-zero status of its dispatchers; 1 if one threw). With --json what it prints
// goes to standard error, and standard output carries one JSON document:
// `{ program, cores, domainId, status, exits: [{ core, status, error, value? }] }` (run-data.ts says
// how a result JSON cannot express is written).
// A run that ends without a result still prints, with --json, `{ program, cores, status: 1, error,
// exits: [] }`. `--timeout MS` bounds the run: past it the command fails naming the domain and the cores whose
// main still runs. A core declared failed meanwhile (a domain busy-looping on it stops its
// heartbeats: src/monitor/liveness.ts) fails the command naming that core. Either way the system
// is shut down (a failed core's worker terminated) and the process ends with status 1.
import { availableParallelism } from "node:os";
import { describeResult, resultJson } from "../../domain/run-data.js";
import { domainRunTimeoutMs, realCoresMax, runTimeoutMsMax } from "../../limits.js";
import { checkProgram } from "../../platform/program/preflight.js";
import { boot, type DomainResult } from "../../platform/real/boot.js";
import { integerArgument, outputFileArgument } from "../arguments.js";
import { chosenCores, coreCountOption, coreListOption, firstCores } from "../core-options.js";
import { type CommandOutput, commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

export const registerRun: Registration = ({ program }) => {
  program
    .command("run")
    .description(
      "Boot, run a domain (a module exporting main(ctx)) on the given cores, and exit with its status.",
    )
    .argument("<program>", "the domain's module: a .ts or .js file (ES module or CommonJS), or a file: URL")
    .argument("[args...]", "the domain's arguments, each core's ctx.args (put them after --)")
    .addOption(coreCountOption(realCoresMax, "run on cores 0..N-1 (default: every core)"))
    .addOption(coreListOption(realCoresMax, "the cores the domain spans, e.g. 0-3 or 0,2,5"))
    .option(
      "--timeout <ms>",
      `bound the run: past MS ms, fail naming the cores still running (default ${domainRunTimeoutMs})`,
      integerArgument("--timeout", 1, runTimeoutMsMax),
    )
    .option(
      "--trace <file>",
      "write every core's messages and handlers as a Chrome trace (Perfetto) to FILE",
      outputFileArgument("--trace"),
    )
    .addOption(jsonOption())
    .action(
      async (
        programPath: string,
        args: string[],
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
        try {
          const result = await runDomain(programPath, args, cores, options, output);
          output.json(runJson(programPath, cores, result));
          process.exitCode = result.status;
        } catch (error) {
          // A run that ends without a result (the program cannot load, the run times out, a core
          // fails) is still one JSON document with --json; the message goes to standard error.
          output.json({ program: programPath, cores, status: 1, error: errorMessage(error), exits: [] });
          throw error;
        }
      },
    );
};

/** Checks the program, boots, runs it, shuts down; prints each core's output and result as text. */
async function runDomain(
  programPath: string,
  args: string[],
  cores: readonly number[],
  options: { trace?: string; timeout?: number },
  output: CommandOutput,
): Promise<DomainResult> {
  await checkProgram(programPath); // Before the boot: one error, with a hint, not one per core.
  const bootCores = Math.max(availableParallelism(), ...cores.map((c) => c + 1));
  const system = await boot({
    cores: bootCores,
    measureLatency: false,
    ...(options.trace === undefined ? {} : { trace: options.trace }),
    ...(options.timeout === undefined ? {} : { runTimeoutMs: options.timeout }),
    onLog: (line) => {
      if (!line.startsWith("[boot") || process.env.MULTIKERNEL_DEBUG) output.text(line);
    },
    // What a domain wrote to its console's error stream stays on the error stream.
    onErrorLog: (line) => process.stderr.write(`${line}\n`),
  });
  // Only the boot log says where the cores started; a slower boot from the modules is told here.
  const start = system.coreStart;
  if (start !== undefined && !start.bundled)
    process.stderr.write(`multikernel: the cores loaded their modules one by one: ${start.reason}\n`);
  let result: DomainResult | undefined;
  try {
    result = await system.run(programPath, cores, { args });
    for (const exit of result.exits) {
      if (exit.error !== "") process.stderr.write(`core ${exit.core}: domain failed: ${exit.error}\n`);
    }
  } finally {
    await system.shutdown();
  }
  // After shutdown, so that each core's result follows every line it printed.
  for (const exit of result.exits) {
    if ("value" in exit) output.text(`[core ${exit.core}] result: ${describeResult(exit.value)}`);
  }
  return result;
}

/** An error's message for the JSON document (every error here is one of ours). */
function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : "the run failed";
}

/** `run --json`'s document: the run, and each core's exit with its result in JSON-safe form. */
function runJson(program: string, cores: readonly number[], result: DomainResult): object {
  const exits = result.exits.map(({ core, status, error, ...rest }) => ({
    core,
    status,
    error,
    ...("value" in rest ? { value: resultJson(rest.value) } : {}),
  }));
  return { program, cores, domainId: result.domainId, status: result.status, exits };
}
