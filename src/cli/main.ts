#!/usr/bin/env node
// The `multikernel` command: parses the command line with the program of program.ts (every
// command, one per file under src/cli/commands/) and maps how the command ended to the exit
// status, the same for every command:
//   0  success (and --help, --version, `help …`);
//   1  the command ran and failed: an error thrown by it, as a message on standard error (`run`
//      exits with its domain's own status);
//   2  a usage error: commander's (unknown command or option, missing or bad argument; commander
//      has already printed it) or a `UsageError` thrown by a command's own check of its arguments.
// Where output goes (--json: one JSON document on standard output) is src/cli/output.ts's rule.
import { CommanderError } from "commander";
import { UsageError } from "./arguments.js";
import { buildProgram } from "./program.js";

/** Exit status of a command that ran and failed. */
const exitFailure = 1;
/** Exit status of a usage error: the command line itself was wrong. */
const exitUsage = 2;

/** The exit status for an error a command threw, after writing what the user must know. */
function exitStatusOf(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`multikernel: ${error.message}\n(run with --help for usage)\n`);
    return exitUsage;
  }
  // Commander's own: already written to standard error (or, for help and version, to standard output).
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : exitUsage;
  process.stderr.write(`multikernel: ${error instanceof Error ? error.message : String(error)}\n`);
  return exitFailure;
}

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  process.exitCode = exitStatusOf(error);
}
