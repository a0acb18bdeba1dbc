// Running the `multikernel` command as a child process, bounded in time, for the CLI tests.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The compiled command line program (dist/src/cli/main.js), from this file at dist/test/platform. */
export const cliPath = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
/** Longest one command may run before it is killed (a hang fails the test, never stalls it). */
export const cliTimeoutMs = 45_000;

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `multikernel ...args` (with `env` added to the environment) and returns its status and output; throws if it was killed. */
export function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): CliResult {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: cliTimeoutMs,
    killSignal: "SIGKILL",
  });
  if (result.error !== undefined) throw result.error;
  if (result.signal !== null)
    throw new Error(`multikernel ${args.join(" ")} was killed by ${result.signal}:\n${result.stderr}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
