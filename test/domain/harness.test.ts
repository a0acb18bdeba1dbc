// Tests of the domain test harness itself: a failed assertion inside a domain's `main` fails the
// harness's run (its `exits` rejects, naming the domain, the core and the assertion), on one core
// of several as on a single core; a domain spawned expecting a failure gives its statuses instead.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { boot, settle, spawn } from "./harness.js";

describe("the domain harness fails a run whose domain fails", () => {
  it("a planted failing assertion inside main rejects exits, naming the core and the assertion", async () => {
    const machine = boot(3, 1);
    const d = spawn(machine, 5, [0, 2], (ctx) => {
      assert.equal(ctx.coreId, 0, "planted: only core 0 passes");
    });
    await assert.rejects(
      settle(machine.platform, d.exits),
      (e: unknown) =>
        e instanceof Error &&
        /^harness: domain 5 failed: core 2 exited 1\n/.test(e.message) &&
        e.message.includes("planted: only core 0 passes"),
    );
  });

  it("a main that returns a non-zero status fails the run too", async () => {
    const machine = boot(2, 1);
    const d = spawn(machine, 6, [1], async () => 7);
    await assert.rejects(settle(machine.platform, d.exits), /harness: domain 6 failed: core 1 exited 7/);
  });

  it("a domain spawned expecting a failure gives its statuses for the test to check", async () => {
    const machine = boot(2, 1);
    const d = spawn(
      machine,
      7,
      [0, 1],
      (ctx) => {
        assert.equal(ctx.coreId, 1);
      },
      { expectFailure: true },
    );
    assert.deepEqual(await settle(machine.platform, d.exits), [1, 0]);
  });

  it("a domain that succeeds everywhere gives all zeros", async () => {
    const machine = boot(2, 1);
    assert.deepEqual(await settle(machine.platform, spawn(machine, 8, [0, 1], () => {}).exits), [0, 0]);
  });
});
