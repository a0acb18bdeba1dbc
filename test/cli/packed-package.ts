// Helpers for the tests that meet the package as a user does: packed by `npm pack`, installed from
// its tarball into fresh projects (offline, from npm's cache, where this repository's own install
// put its dependencies), and run with npm and npx. Every command is bounded; `npmMissing` says why
// such a test must be skipped when npm cannot be run here.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, from this file at dist/test/cli. */
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
/** Bound on one npm, npx or node command (a hang fails the test, never stalls it). */
export const commandTimeoutMs = 60_000;

/** The environment without npm's own variables (`npm test`'s would steer the child npm) nor node --test's (a child test run would think itself nested). */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith("npm_") && name !== "NODE_TEST_CONTEXT"),
);

export interface Ran {
  readonly status: number | null;
  /** Standard output, then standard error. */
  readonly output: string;
  readonly stdout: string;
}

/** Runs `program args` in `cwd`, bounded by commandTimeoutMs. */
export function command(cwd: string, program: string, args: readonly string[]): Ran {
  const result = spawnSync(program, args, {
    cwd,
    encoding: "utf8",
    env: cleanEnv,
    timeout: commandTimeoutMs,
    killSignal: "SIGKILL",
  });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

/** Runs the command and fails the test, with its output, unless it exits 0; returns its output. */
export function mustRun(cwd: string, program: string, args: readonly string[]): string {
  const ran = command(cwd, program, args);
  assert.equal(ran.status, 0, `${program} ${args.join(" ")} failed in ${cwd}:\n${ran.output}`);
  return ran.output;
}

/** Why npm cannot be run here (the reason a packed-package test is skipped), or false. */
export const npmMissing: string | false = (() => {
  try {
    return command(repoRoot, "npm", ["--version"]).status === 0 ? false : "npm --version failed";
  } catch (error) {
    return `npm cannot be run here (${(error as Error).message}): the packed-package test needs it`;
  }
})();

/** Packs the repository (`npm pack`, without running its scripts) into `dir`; returns the tarball's path. */
export function packInto(dir: string): string {
  const packed = mustRun(repoRoot, "npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir]);
  return join(dir, (JSON.parse(packed.slice(packed.indexOf("["))) as { filename: string }[])[0]!.filename);
}

/** Installs the tarball into the project at `dir`, offline. */
export function installOffline(dir: string, tarball: string): void {
  mustRun(dir, "npm", ["install", "--offline", "--no-audit", "--no-fund", tarball]);
}
