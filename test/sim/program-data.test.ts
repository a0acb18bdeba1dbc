// A domain program's data in and out on the simulated machine, as on the real platform: args reach
// every core as its own copy of ctx.args, each core's result comes back as `value` in the report's
// exits (in the program scenario, through the hosted worker, and through `sim --program FILE -- ARG…
// --json`), and results or arguments that cannot be handed over are refused clearly.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { limits } from "../../src/index.js";
import { runScenario } from "../../src/platform/sim/index.js";
import { programScenario } from "../../src/platform/sim/scenarios/program.js";
import { runCli } from "../platform/cli-process.js";
import { runHostedOn2x2 } from "./hosted-run.js";

function programFile(name: string): string {
  return fileURLToPath(new URL(`./programs/${name}.js`, import.meta.url));
}

/** What args-result.ts hands back on `core` given `args`. */
const handedBack = (core: number, args: unknown) => ({ core, args });

describe("sim: a program's arguments and results", () => {
  it("gives every core its own copy of args and reports each core's result", async () => {
    const { main } = (await import(programFile("args-result"))) as typeof import("./programs/args-result.js");
    const args = ["a", { n: 2n }];
    const result = await runScenario(programScenario({ program: "args-result", main, cores: [0, 3], args }), {
      machine: "amd-2x2",
      seed: 1,
      cores: [0, 3],
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(result.results.exits, [
      { core: 0, status: 0, error: "", value: handedBack(0, args) },
      { core: 3, status: 0, error: "", value: handedBack(3, args) },
    ]);
    assert.ok(
      result.lines.includes("core 3: result { core: 3, args: [ 'a', { n: 2n } ] }"),
      result.lines.join("\n"),
    );
  });

  it("refuses a result that cannot be handed back, and args that cannot be given", async () => {
    const result = await runScenario(
      programScenario({ program: "returns-function", main: () => ({ f: () => 1 }), cores: [0] }),
      { machine: "amd-2x2", seed: 1, cores: [0, 1] },
    );
    assert.match(
      result.violations.join("\n"),
      /core 0: domain failed: main resolved to a value of type object that cannot be handed back/,
    );
    assert.throws(
      () =>
        programScenario({
          program: "x",
          main: () => 0,
          cores: [0],
          args: "x".repeat(limits.domainArgsBytesMax),
        }),
      /program: args are \d+ bytes encoded, over the/,
    );
  });

  it("carries args and results through the hosted worker", async () => {
    const result = await runHostedOn2x2("args-result", pathToFileURL(programFile("args-result")).href, {
      args: ["hosted"],
    });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      (result.results.exits as { value: unknown }[]).map((exit) => exit.value),
      [0, 1].map((core) => handedBack(core, ["hosted"])),
    );
  });

  it("`sim --program FILE --json -- ARG…` gives the ARGs to every core and prints their results as JSON", () => {
    const cli = runCli([
      "sim",
      "--machine",
      "amd-2x2",
      "--program",
      programFile("args-result"),
      "--core-list",
      "0-1",
      "--json",
      "--",
      "a",
      "--b",
    ]);
    assert.equal(cli.status, 0, cli.stderr);
    const document = JSON.parse(cli.stdout) as { results: { exits: { value: unknown }[] } };
    assert.deepEqual(
      document.results.exits.map((exit) => exit.value),
      [0, 1].map((core) => handedBack(core, ["a", "--b"])),
    );
  });
});
