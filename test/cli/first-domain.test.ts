// A newcomer's first domain, tested as a newcomer meets it: the package is packed (`npm pack`),
// installed from its tarball into fresh `npm init -y` projects (CommonJS, npm's default, and one
// with "type": "module"), and the README's first example ("Writing a domain"), copied in as
// `counter.ts` and as `counter.js` (the same code with its types stripped), runs first time with
// `npx multikernel run ./counter.ts --core-list 0-1`; the installed cores start from their bundle,
// and once a module of the package is edited, from their modules, which `run` says.
// Installs are offline, from npm's cache (the package's dependencies are there: this repository's
// own install put them there). Skipped, with a message, only when npm cannot be run.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { transform } from "sucrase";
import { installOffline, mustRun, npmMissing, packInto, repoRoot } from "./packed-package.js";

/** Bound on the whole test: a pack, two installs, a boot and four runs, on a loaded 2-CPU machine. */
const testTimeoutMs = 240_000;

/** The README's first TypeScript example under "Writing a domain". */
function readmeExample(): string {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Writing a domain"));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code !== undefined, "README.md has a ```ts example under 'Writing a domain'");
  return code;
}

const workDir = mkdtempSync(join(tmpdir(), "mk-first-domain-"));
after(() => rmSync(workDir, { recursive: true, force: true }));

describe("a newcomer's first domain: the README's example in a fresh project", { skip: npmMissing }, () => {
  it("runs as counter.ts and counter.js, in a CommonJS and an ES-module project", {
    timeout: testTimeoutMs,
  }, () => {
    const tarball = packInto(workDir);
    const typeScript = readmeExample();
    const javaScript = transform(typeScript, { transforms: ["typescript"], disableESTransforms: true }).code;
    for (const type of ["commonjs", "module"] as const) {
      const dir = join(workDir, type);
      mkdirSync(dir);
      mustRun(dir, "npm", ["init", "-y"]);
      if (type === "module") mustRun(dir, "npm", ["pkg", "set", "type=module"]);
      installOffline(dir, tarball);
      if (type === "module") {
        // The installed package's cores start from its bundle: files, manifest and times survive npm.
        const booted = mustRun(dir, "npx", ["--offline", "multikernel", "boot", "--cores", "2"]);
        assert.match(booted, /cores at once, from the core bundle/, booted);
      }
      writeFileSync(join(dir, "counter.ts"), typeScript);
      writeFileSync(join(dir, "counter.js"), javaScript);
      for (const file of ["./counter.ts", "./counter.js"]) {
        const output = mustRun(dir, "npx", ["--offline", "multikernel", "run", file, "--core-list", "0-1"]);
        assert.match(output, /\[core 1\] total is now 1/, `${type} project, ${file}:\n${output}`);
        assert.doesNotMatch(output, /Warning|failed|one by one/, `${type} project, ${file}:\n${output}`);
      }
      if (type === "module") {
        // A module edited after the bundle was built: the cores load their modules, and run says why.
        const edited = join(dir, "node_modules/multikernel/dist/src/limits.js");
        writeFileSync(edited, `${readFileSync(edited, "utf8")}\n// edited after the bundle\n`);
        const output = mustRun(dir, "npx", [
          "--offline",
          "multikernel",
          "run",
          "./counter.js",
          "--core-list",
          "0-1",
        ]);
        assert.match(output, /\[core 1\] total is now 1/, output);
        assert.match(
          output,
          /the cores loaded their modules one by one: .*limits\.js changed after the core bundle was built/,
          output,
        );
      }
    }
  });
});
