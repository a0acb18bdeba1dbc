// Tests of dispatchers and the DomainContext: what a domain sees on each core, time, randomness and
// timers from the platform, exit statuses, close(), and a domain spanning every core that exports a
// service per core and calls its neighbour's.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Dispatcher } from "../../src/domain/dispatcher.js";
import type { DomainContext } from "../../src/domain/domain-context.js";
import { t } from "../../src/idl/index.js";
import { defineRpc } from "../../src/rpc/rpc.js";
import { boot, drain, settle, spawn } from "./harness.js";

const echo = defineRpc("echo", {
  whoami: {
    call: [["from", t.u32]],
    reply: [
      ["core", t.u32],
      ["from", t.u32],
    ],
  },
});

describe("dispatcher and DomainContext", () => {
  it("gives each core's main its core, the domain's cores and id", async () => {
    const machine = boot(4, 1);
    const seen: [number, readonly number[], number][] = [];
    const d = spawn(machine, 9, [3, 1], (ctx) => {
      seen.push([ctx.coreId, ctx.cores, ctx.domainId]);
    });
    assert.deepEqual(await settle(machine.platform, d.exits), [0, 0]);
    assert.deepEqual(seen, [
      [3, [1, 3], 9],
      [1, [1, 3], 9],
    ]);
    assert.ok(Object.isFrozen(d.dispatchers[0]!.context));
  });

  it("logs through the platform, which prefixes the core", async () => {
    const machine = boot(2, 1);
    await settle(machine.platform, spawn(machine, 1, [1], (ctx) => ctx.log("hello", 42, { a: [1] })).exits);
    assert.deepEqual(machine.platform.logLines, ["[core 1] hello 42 { a: [ 1 ] }"]);
  });

  it("takes time, randomness and timers from the platform: the same seed gives the same run", async () => {
    const runOnce = async (seed: number) => {
      const machine = boot(2, seed);
      const trace: number[] = [];
      const d = spawn(machine, 1, [0, 1], async (ctx: DomainContext) => {
        for (let i = 0; i < 3; i++) {
          const before = ctx.nowNs();
          const ms = Math.floor(ctx.random() * 10);
          await ctx.sleep(ms);
          assert.ok(ctx.nowNs() - before >= ms * 1e6);
          trace.push(ctx.coreId, ms, ctx.nowNs());
        }
      });
      assert.deepEqual(await settle(machine.platform, d.exits), [0, 0]);
      return trace;
    };
    const a = await runOnce(5);
    assert.deepEqual(await runOnce(5), a);
    assert.notDeepEqual(await runOnce(6), a);
  });

  it("rejects a bad sleep clearly", async () => {
    const machine = boot(2, 1);
    const [d] = spawn(machine, 1, [0], () => {}).dispatchers;
    await assert.rejects(d!.context.sleep(-1), /sleep\(-1\): milliseconds must be in \[0, 86400000\]/);
    await assert.rejects(d!.context.sleep(Number.NaN), /sleep\(NaN\)/);
  });

  it("turns main's result into an exit status: undefined or a result is 0, a throw or a bad one is 1 and logged", async () => {
    const machine = boot(2, 1);
    const statuses = await settle(
      machine.platform,
      Promise.all([
        spawn(machine, 1, [0], () => undefined).exits,
        spawn(machine, 2, [0], async () => 3, { expectFailure: true }).exits,
        spawn(
          machine,
          3,
          [1],
          async () => {
            throw new Error("boom");
          },
          { expectFailure: true },
        ).exits,
        spawn(machine, 4, [1], () => () => "done", { expectFailure: true }).exits,
        spawn(machine, 5, [1], () => "done").exits,
      ]),
    );
    assert.deepEqual(statuses, [[0], [3], [1], [1], [0]]);
    assert.ok(machine.platform.logLines.includes("[core 1] domain 3: main failed: boom"));
    assert.ok(
      machine.platform.logLines.includes(
        '[core 1] domain 4: main resolved to a value of type function that cannot be handed back (not structured-cloneable: () => "done" could not be cloned.)',
      ),
    );
  });

  it("one dispatcher per domain per core; close() cancels sleeps and refuses further work", async () => {
    const machine = boot(2, 1);
    const d = new Dispatcher(machine.monitors[0]!, 1, [0]);
    assert.throws(
      () => new Dispatcher(machine.monitors[0]!, 1, [0, 1]),
      /domain 1 already has a dispatcher on core 0/,
    );
    let woke = false;
    void d.context.sleep(5).then(() => {
      woke = true;
    });
    d.close();
    d.close();
    await drain(machine.platform);
    assert.equal(woke, false);
    await assert.rejects(d.context.sleep(1), /domain 1 on core 0: sleep after the dispatcher closed/);
    assert.doesNotThrow(() => new Dispatcher(machine.monitors[0]!, 1, [0]), "the domain id is free again");
  });

  it("a domain on every core exports a service per core and calls its neighbour's", async () => {
    const machine = boot(4, 8);
    const exported = spawn(machine, 1, [0, 1, 2, 3], (ctx) =>
      ctx.export(`echo.${ctx.coreId}`, echo, { whoami: (from) => [ctx.coreId, from] }),
    );
    await settle(machine.platform, exported.exits);
    assert.deepEqual(
      exported.dispatchers.map((d) => d.exportedNames()),
      [["echo.0"], ["echo.1"], ["echo.2"], ["echo.3"]],
    );
    const replies: [number, number][] = [];
    const callers = spawn(machine, 2, [0, 1, 2, 3], async (ctx) => {
      const next = ctx.cores[(ctx.cores.indexOf(ctx.coreId) + 1) % ctx.cores.length]!;
      const client = await ctx.bind(`echo.${next}`, echo);
      const [core, from] = await client.whoami(ctx.coreId);
      replies.push([from, core]);
    });
    assert.deepEqual(await settle(machine.platform, callers.exits), [0, 0, 0, 0]);
    assert.deepEqual(
      replies.sort((a, b) => a[0] - b[0]),
      [
        [0, 1],
        [1, 2],
        [2, 3],
        [3, 0],
      ],
    );
  });
});
