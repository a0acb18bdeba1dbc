// Tests of how a domain's program is loaded (src/platform/program): a TypeScript domain importing
// another .ts file by its `.js` name, a `.js` domain written with import/export in a CommonJS
// project, a program that does not exist (one error, with the file it may have meant), one that
// exports no main, syntax errors in JavaScript and TypeScript (named by file and line), and a
// throw inside main (its stack names the .ts file and line): in this thread, through the check
// before a run, on booted real cores, and on the simulator. Each program is written into a fresh
// temporary folder that stands for a user's project.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { failureText, programFrames } from "../../src/platform/program/failure-text.js";
import { checkProgram } from "../../src/platform/program/preflight.js";
import { loadProgram, ProgramLoadError } from "../../src/platform/program/program-loader.js";
import { boot } from "../../src/platform/real/boot.js";
import { programUrl } from "../../src/platform/real/domain-host.js";
import { runHostedOn2x2 } from "../sim/hosted-run.js";

/** Bound on a test that boots two real cores or starts a simulation worker. */
const systemTestTimeoutMs = 90_000;

const projects: string[] = [];
after(() => {
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

/** A fresh project folder with a package.json of `type` (absent: CommonJS) and these files. */
function project(type: "module" | "commonjs", files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), "mk-loader-"));
  projects.push(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "p", version: "1.0.0", type }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** A .ts domain that imports ./lib/twice.ts as "./lib/twice.js" and throws on line 6 when asked. */
const typeScriptDomain = [
  'import { twice } from "./lib/twice.js";', // 1
  "interface Point { readonly x: number }", // 2
  "export async function main(ctx: { coreId: number }): Promise<number> {", // 3
  "  if (ctx.coreId === 99) {", // 4
  "    const p = undefined as unknown as Point;", // 5
  "    return p.x;", // 6: throws
  "  }", // 7
  "  return twice(ctx.coreId);", // 8
  "}", // 9
].join("\n");
const twiceModule = "export function twice(n: number): number {\n  return n * 2;\n}\n";

describe("program loading: TypeScript and JavaScript domains, run as written", () => {
  it("loads a .ts domain that imports another .ts file by its .js name, in a CommonJS project", async () => {
    const dir = project("commonjs", { "domain.ts": typeScriptDomain, "lib/twice.ts": twiceModule });
    const main = await loadProgram(join(dir, "domain.ts"));
    assert.equal(await main({ coreId: 21 } as never), 42);
  });

  it("loads a .js domain written with import/export in a CommonJS project", async () => {
    const dir = project("commonjs", {
      "domain.js": 'import { three } from "./three.js";\nexport function main() { return three; }\n',
      "three.js": "export const three = 3;\n",
    });
    const main = await loadProgram(join(dir, "domain.js"));
    assert.equal(await main({} as never), 3);
  });

  it("still loads a CommonJS domain (exports.main) as CommonJS", async () => {
    const dir = project("commonjs", {
      "domain.js": "exports.main = () => require('node:path').sep.length;\n",
    });
    const main = await loadProgram(join(dir, "domain.js"));
    assert.equal(await main({} as never), 1);
  });

  it("a throw inside main has a stack naming the .ts file and line", async () => {
    const dir = project("module", { "domain.ts": typeScriptDomain, "lib/twice.ts": twiceModule });
    const main = await loadProgram(join(dir, "domain.ts"));
    const thrown = await Promise.resolve(main({ coreId: 99 } as never)).then(
      () => assert.fail("main should have thrown"),
      (error: unknown) => error,
    );
    const text = failureText(thrown);
    assert.match(text, /^Cannot read properties of undefined \(reading 'x'\)\n/);
    assert.match(text, /at main \(file:\/\/.*domain\.ts:6:\d+\)/);
    assert.doesNotMatch(text, /node:internal|dist\/src\//, "only the program's frames are kept");
  });

  it("refuses a missing program before any load, naming the file it may have meant", async () => {
    const dir = project("commonjs", { "counter.ts": "export function main() {}\n" });
    await assert.rejects(checkProgram(join(dir, "counter.js")), (error: unknown) => {
      assert.ok(error instanceof ProgramLoadError);
      assert.match(error.message, /^no such file .*counter\.js — did you mean .*counter\.ts\?$/);
      return true;
    });
  });

  it("refuses a program that exports no main, saying what it exports", async () => {
    const dir = project("module", { "nomain.ts": "export const a = 1;\n" });
    await assert.rejects(checkProgram(join(dir, "nomain.ts")), /exports no main function \(it exports a\)/);
  });

  it("names the file and line of a JavaScript syntax error in an imported module", async () => {
    const dir = project("module", {
      "domain.js": 'import "./broken.js";\nexport function main() {}\n',
      "broken.js": "export function f() {\n  let x = ;\n}\n",
    });
    await assert.rejects(checkProgram(join(dir, "domain.js")), /SyntaxError: .*broken\.js:2(:\d+)?: /);
  });

  it("names the file, line and column of a TypeScript syntax error", async () => {
    const dir = project("commonjs", { "domain.ts": "export function main(): number {\n  let x: = 3;\n}\n" });
    await assert.rejects(checkProgram(join(dir, "domain.ts")), /SyntaxError: .*domain\.ts:2:\d+: /);
  });

  it("keeps the program's frames and drops the package's own and Node's", () => {
    const stack = [
      "Error: x",
      "    at f (file:///home/me/counter.ts:3:9)",
      "    at node:internal/process/task_queues:95:5",
      `    at DomainHost.run (${new URL("../../src/platform/real/domain-host.js", import.meta.url).href}:70:5)`,
    ].join("\n");
    assert.deepEqual(programFrames(stack), ["    at f (file:///home/me/counter.ts:3:9)"]);
  });
});

describe("program loading: failures reported once, with their stacks, by run and sim", () => {
  it("run refuses a missing program once, and reports main's throw with its .ts line", {
    timeout: systemTestTimeoutMs,
  }, async () => {
    const dir = project("commonjs", { "domain.ts": typeScriptDomain, "lib/twice.ts": twiceModule });
    const throwing = join(dir, "throws.ts");
    writeFileSync(throwing, typeScriptDomain.replace("ctx.coreId === 99", "ctx.coreId === 1"));
    const system = await boot({ cores: 2, measureLatency: false });
    try {
      await assert.rejects(system.run(join(dir, "missing.ts"), [0, 1]), /^ProgramLoadError: no such file/);
      const result = await system.run(throwing, [0, 1]);
      assert.equal(result.status, 1);
      const failed = result.exits.find((exit) => exit.core === 1);
      assert.match(failed?.error ?? "", /reading 'x'\)\n {4}at main \(file:\/\/.*throws\.ts:6:\d+\)/);
    } finally {
      await system.shutdown();
    }
  });

  it("sim --program shows the stack of a failing main", { timeout: systemTestTimeoutMs }, async () => {
    const dir = project("commonjs", {
      "domain.ts": typeScriptDomain.replace("=== 99", "=== 1"),
      "lib/twice.ts": twiceModule,
    });
    const program = join(dir, "domain.ts");
    const result = await runHostedOn2x2(program, programUrl(program));
    assert.ok(result.violations.some((v) => /core 1: domain failed: Cannot read properties/.test(v)));
    assert.ok(
      result.lines.some((line) => /at .*main \(file:\/\/.*domain\.ts:6:\d+\)/.test(line)),
      result.lines.join("\n"),
    );
  });
});
