// A newcomer's first domain, tested as a newcomer meets it: the package is packed (`npm pack`),
// installed from its tarball into fresh `npm init -y` projects (CommonJS, npm's default, and one
// with "type": "module"), and the README's first example ("Writing a domain"), copied in as
// `counter.ts` and as `counter.js` (the same code with its types stripped), runs first time with
// `npx multikernel run ./counter.ts --core-list 0-1`. Installs are offline, from npm's cache (the
// package's dependencies are there: this repository's own install put them there). Skipped, with a
// message, only when npm cannot be run.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { transform } from "sucrase";

/** The repository root, from this file at dist/test/cli. */
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
/** Bound on one npm or npx command (a hang fails the test, never stalls it). */
const commandTimeoutMs = 60_000;
/** Bound on the whole test: a pack, two installs and four runs, on a loaded 2-CPU machine. */
const testTimeoutMs = 240_000;

/** The environment without npm's own variables: `npm test`'s would steer the child npm. */
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("npm_")));

interface Ran {
  readonly status: number | null;
  readonly output: string;
}

function command(cwd: string, program: string, args: readonly string[]): Ran {
  const result = spawnSync(program, args, {
    cwd,
    encoding: "utf8",
    env: cleanEnv,
    timeout: commandTimeoutMs,
    killSignal: "SIGKILL",
  });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

function mustRun(cwd: string, program: string, args: readonly string[]): string {
  const ran = command(cwd, program, args);
  assert.equal(ran.status, 0, `${program} ${args.join(" ")} failed in ${cwd}:\n${ran.output}`);
  return ran.output;
}

/** The README's first TypeScript example under "Writing a domain". */
function readmeExample(): string {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Writing a domain"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code !== undefined, "README.md has a ```ts example under 'Writing a domain'");
  return code;
}

const npmMissing = (() => {
  try {
    return command(repoRoot, "npm", ["--version"]).status === 0 ? false : "npm --version failed";
  } catch (error) {
    return `npm cannot be run here (${(error as Error).message}): the packed-package test needs it`;
  }
})();

const workDir = mkdtempSync(join(tmpdir(), "mk-first-domain-"));
after(() => rmSync(workDir, { recursive: true, force: true }));

describe("a newcomer's first domain: the README's example in a fresh project", { skip: npmMissing }, () => {
  it("runs as counter.ts and counter.js, in a CommonJS and an ES-module project", {
    timeout: testTimeoutMs,
  }, () => {
    const packed = mustRun(repoRoot, "npm", [
      "pack",
      "--ignore-scripts",
      "--json",
      "--pack-destination",
      workDir,
    ]);
    const tarball = join(
      workDir,
      (JSON.parse(packed.slice(packed.indexOf("["))) as { filename: string }[])[0]!.filename,
    );
    const typeScript = readmeExample();
    const javaScript = transform(typeScript, { transforms: ["typescript"], disableESTransforms: true }).code;
    for (const type of ["commonjs", "module"] as const) {
      const dir = join(workDir, type);
      mkdirSync(dir);
      mustRun(dir, "npm", ["init", "-y"]);
      if (type === "module") mustRun(dir, "npm", ["pkg", "set", "type=module"]);
      mustRun(dir, "npm", ["install", "--offline", "--no-audit", "--no-fund", tarball]);
      writeFileSync(join(dir, "counter.ts"), typeScript);
      writeFileSync(join(dir, "counter.js"), javaScript);
      for (const file of ["./counter.ts", "./counter.js"]) {
        const output = mustRun(dir, "npx", ["--offline", "multikernel", "run", file, "--core-list", "0-1"]);
        assert.match(output, /\[core 1\] total is now 1/, `${type} project, ${file}:\n${output}`);
        assert.doesNotMatch(output, /Warning|failed/, `${type} project, ${file}:\n${output}`);
      }
    }
  });
});
