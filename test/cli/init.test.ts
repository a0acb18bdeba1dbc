// `multikernel init`: the starter it writes, its refusal to overwrite, and (when npm can run) the
// starter end to end as a user meets it: the package packed, `multikernel init` run from the
// installed package, the starter installed offline, its `npm test` (the domain on the simulator,
// TypeScript through "multikernel/register") and its `npm start` (the domain on two real cores).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { UsageError } from "../../src/cli/arguments.js";
import { packageName, starterFiles, writeStarter } from "../../src/cli/commands/init.js";
import { command, installOffline, mustRun, npmMissing, packInto, repoRoot } from "./packed-package.js";

/** Bound on the end-to-end test: a pack, two installs, init, npm test and npm start, on a loaded 2-CPU machine. */
const endToEndTimeoutMs = 180_000;
const cli = join(repoRoot, "dist", "src", "cli", "main.js");
const ownVersion = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string })
  .version;

const workDir = mkdtempSync(join(tmpdir(), "mk-init-"));
after(() => rmSync(workDir, { recursive: true, force: true }));

describe("init: the starter project", () => {
  it("writes the domain, its interface, its test, a tsconfig, a README and a package.json", () => {
    const dir = join(workDir, "My App");
    const written = writeStarter(dir);
    assert.deepEqual([...written].sort(), [
      "README.md",
      "package.json",
      "src/counter-interface.ts",
      "src/counter.ts",
      "test/counter.test.ts",
      "tsconfig.json",
    ]);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    assert.equal(manifest.name, "my-app");
    assert.equal(manifest.type, "module");
    assert.deepEqual(manifest.dependencies, { multikernel: `^${ownVersion}` });
    assert.equal(manifest.scripts.start, "multikernel run src/counter.ts --cores 2");
    assert.equal(manifest.scripts.test, "node --import multikernel/register --test test/counter.test.ts");
    assert.match(readFileSync(join(dir, "test/counter.test.ts"), "utf8"), /from "multikernel\/sim"/);
  });

  it("refuses a folder with a package.json or any file it would write, writing nothing", () => {
    const withManifest = join(workDir, "has-package");
    mkdirSync(withManifest);
    writeFileSync(join(withManifest, "package.json"), "{}\n");
    assert.throws(
      () => writeStarter(withManifest),
      (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.match(error.message, /already has package\.json; init never overwrites/);
        return true;
      },
    );
    assert.equal(existsSync(join(withManifest, "src")), false);
    const withDomain = join(workDir, "has-domain");
    mkdirSync(join(withDomain, "src"), { recursive: true });
    writeFileSync(join(withDomain, "src", "counter.ts"), "// mine\n");
    assert.throws(() => writeStarter(withDomain), /already has src\/counter\.ts; init never overwrites/);
    assert.equal(readFileSync(join(withDomain, "src", "counter.ts"), "utf8"), "// mine\n");
    assert.equal(existsSync(join(withDomain, "package.json")), false);
  });

  it("accepts a folder with other files, and exits 2 from the command line on a clash", () => {
    const dir = join(workDir, "has-git");
    mkdirSync(join(dir, ".git"), { recursive: true });
    assert.equal(writeStarter(dir).length, starterFiles(dir).size);
    const again = command(workDir, process.execPath, [cli, "init", "has-git"]);
    assert.equal(again.status, 2, again.output);
    assert.match(again.output, /already has README\.md, .*package\.json/);
  });

  it("names the package after its folder, as npm accepts names", () => {
    assert.equal(packageName("My Fancy App!"), "my-fancy-app");
    assert.equal(packageName("_private"), "private");
    assert.equal(packageName("..."), "multikernel-app");
    assert.equal(packageName("multikernel"), "multikernel-app");
  });
});

describe("init: the starter from the packed package, as a user meets it", { skip: npmMissing }, () => {
  it("npm test passes and npm start runs the domain", { timeout: endToEndTimeoutMs }, () => {
    const tarball = packInto(workDir);
    const tools = join(workDir, "tools");
    mkdirSync(tools);
    mustRun(tools, "npm", ["init", "-y"]);
    installOffline(tools, tarball);
    const initOutput = mustRun(tools, "npx", ["--offline", "multikernel", "init", "../app"]);
    assert.match(initOutput, /npm install[\s\S]*npm test[\s\S]*npm start/);
    const app = join(workDir, "app");
    installOffline(app, tarball);
    const tested = mustRun(app, "npm", ["test"]);
    assert.match(tested, /# pass 2\n# fail 0/, tested);
    const started = mustRun(app, "npm", ["start"]);
    assert.match(started, /\[core 1\] added 1, total is now 1/, started);
    assert.match(started, /\[core 0\] result: \{ role: 'server', total: 1 \}/, started);
    assert.doesNotMatch(started, /Warning|failed/, started);
  });
});
