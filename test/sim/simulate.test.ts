// `simulate` (the "multikernel/sim" entry point): a domain program on a simulated machine from a
// user's test. Each core's exit comes back with its status, error (with the program's frames) and
// result; a failing main is a violation; a busy loop or a run past timeoutMs ends with a violation
// instead of hanging the caller; bad options and programs that cannot load are refused before
// anything runs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProgramLoadError } from "../../src/index.js";
import { simulate } from "../../src/sim-api.js";

function programFile(name: string): URL {
  return new URL(`./programs/${name}.js`, import.meta.url);
}

/** A run bound well below the handler watchdog's default (5 s), so that the timeout is what ends a busy loop. */
const busyTimeoutMs = 1_000;

describe("simulate: a domain program on a simulated machine, as a function", () => {
  it("returns each core's status and result, with its own copy of args", async () => {
    const args = ["a", { n: 2 }];
    const result = await simulate(programFile("args-result"), { machine: "amd-2x2", cores: 3, args });
    assert.deepEqual(result.violations, []);
    assert.equal(result.completed, true);
    assert.ok(result.virtualNs > 0);
    assert.deepEqual(
      result.exits,
      [0, 1, 2].map((core) => ({ core, status: 0, error: "", value: { core, args } })),
    );
  });

  it("reports a failing main per core, with the program's frames, and as violations", async () => {
    const result = await simulate(programFile("fails"), { machine: "amd-2x2", coreList: [0, 1, 2] });
    assert.deepEqual(
      result.exits.map(({ core, status }) => ({ core, status })),
      [
        { core: 0, status: 0 },
        { core: 1, status: 1 },
        { core: 2, status: 3 },
      ],
    );
    const failed = result.exits[1]!;
    assert.match(failed.error, /^planted failure on core 1\n {4}at .*programs\/fails\.(js|ts):\d+/);
    assert.equal(result.violations.length, 2, result.violations.join("\n"));
    assert.match(result.violations[0]!, /core 1: domain failed: planted failure on core 1/);
  });

  it("collects what the cores log, each line with its core and virtual time", async () => {
    const pingPong = new URL("../../examples/ping-pong.js", import.meta.url);
    const result = await simulate(pingPong, { machine: "amd-2x2", cores: 2 });
    assert.deepEqual(result.violations, []);
    assert.ok(
      result.log.some((line) => /^\[core 0 @ [\d.]+ µs\] exports "pong"$/.test(line)),
      result.log.join("\n"),
    );
  });

  it("ends a busy loop at timeoutMs with a violation, and returns", async () => {
    const result = await simulate(programFile("busy"), {
      machine: "amd-2x2",
      cores: 2,
      timeoutMs: busyTimeoutMs,
    });
    assert.equal(result.completed, false);
    assert.deepEqual(result.exits, []);
    assert.match(result.violations.join("\n"), /timeout: the run took more than 1000 ms of host time/);
  });

  it("refuses bad options and a missing program before anything runs", async () => {
    await assert.rejects(
      simulate(programFile("args-result"), { machine: "no-such" }),
      /unknown machine 'no-such'/,
    );
    await assert.rejects(
      simulate(programFile("args-result"), { machine: "amd-2x2", cores: 5 }),
      /cores must be/,
    );
    await assert.rejects(simulate(programFile("args-result"), { cores: 2, coreList: [0, 1] }), /not both/);
    await assert.rejects(simulate(programFile("args-result"), { coreList: [0, 0] }), /distinct cores/);
    await assert.rejects(simulate(programFile("args-result"), { args: [() => 1] }), /structured-cloneable/);
    await assert.rejects(simulate(programFile("no-such-program")), (error: unknown) => {
      assert.ok(error instanceof ProgramLoadError);
      assert.match(error.message, /no such file/);
      return true;
    });
  });
});
