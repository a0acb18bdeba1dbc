// Tests of exporting, binding and calling across cores on the loopback platform: the name service,
// the bind handshake through the monitors, typed rpc over dispatcher channels, and every error a
// caller can make (unknown service, wrong interface, a core that does not exist, a taken name, too
// many calls in flight). Several seeds each, so that different interleavings are covered.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Dispatcher } from "../../src/domain/dispatcher.js";
import type { DomainContext } from "../../src/domain/domain-context.js";
import { t } from "../../src/idl/index.js";
import { rpcCallsInFlightMax, rpcCallTimeoutMsDefault, rpcCallTimeoutSweeps } from "../../src/limits.js";
import { BindError, bindRpc } from "../../src/monitor/binding.js";
import { Monitor } from "../../src/monitor/monitor.js";
import { MonitorRpc } from "../../src/monitor/monitor-rpc.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";
import { defineRpc, type RpcClient } from "../../src/rpc/rpc.js";
import { boot, drain, maxSteps, settle, spawn } from "../domain/harness.js";

const calc = defineRpc("calc", {
  add: {
    call: [
      ["a", t.u32],
      ["b", t.u32],
    ],
    reply: [["sum", t.u32]],
  },
  slowAdd: {
    call: [
      ["a", t.u32],
      ["b", t.u32],
      ["delayMs", t.u32],
    ],
    reply: [
      ["sum", t.u32],
      ["core", t.u32],
    ],
  },
  fail: { call: [["why", t.string(128)]], reply: [] },
});
type Calc = typeof calc.declaration;

const kv = defineRpc("kv", {
  get: {
    call: [["key", t.string(64)]],
    reply: [
      ["value", t.string(256)],
      ["found", t.bool],
    ],
  },
});
/** Same name as calc, different declaration. */
const calcV2 = defineRpc("calc", {
  add: {
    call: [
      ["a", t.u64],
      ["b", t.u64],
    ],
    reply: [["sum", t.u64]],
  },
});

function calcServer(ctx: DomainContext) {
  return ctx.export("calc", calc, {
    add: (a, b) => [a + b],
    slowAdd: async (a, b, delayMs) => {
      await ctx.sleep(delayMs);
      return [a + b, ctx.coreId];
    },
    fail: (why) => {
      throw new Error(why);
    },
  });
}

const seeds = [1, 2, 3, 42];

describe("binding and rpc across cores", () => {
  for (const seed of seeds) {
    it(`2 cores, seed ${seed}: export on core 1, bind from core 0, call`, async () => {
      const machine = boot(2, seed);
      const server = spawn(machine, 1, [1], calcServer);
      assert.deepEqual(await settle(machine.platform, server.exits), [0]);
      const client = spawn(machine, 2, [0], async (ctx) => {
        const c = await ctx.bind("calc", calc);
        const [sum] = await c.add(40, 2);
        const [slow, core] = await c.slowAdd(1, 2, 5);
        return sum === 42 && slow === 3 && core === 1 ? 0 : 1;
      });
      assert.deepEqual(await settle(machine.platform, client.exits), [0]);
      assert.equal(machine.monitors[1]!.droppedMessages + machine.monitors[0]!.droppedMessages, 0);
    });

    it(`4 cores, seed ${seed}: clients on cores 0 and 3 (and on the server's own core) get the right values`, async () => {
      const machine = boot(4, seed);
      await settle(machine.platform, spawn(machine, 1, [1], calcServer).exits);
      const clients = spawn(machine, 2, [0, 1, 3], async (ctx) => {
        const c = await ctx.bind("calc", calc);
        const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => c.add(ctx.coreId * 100, i)));
        return replies.every(([sum], i) => sum === ctx.coreId * 100 + i) ? 0 : 1;
      });
      assert.deepEqual(await settle(machine.platform, clients.exits), [0, 0, 0]);
    });
  }

  it("handlers that answer later: replies come back in the order they finish", async () => {
    const machine = boot(4, 7);
    await settle(machine.platform, spawn(machine, 1, [2], calcServer).exits);
    const order: number[] = [];
    const client = spawn(machine, 2, [3], async (ctx) => {
      const c = await ctx.bind("calc", calc);
      const startNs = ctx.nowNs();
      await Promise.all(
        [30, 10, 20].map(async (delayMs) => {
          const [sum, core] = await c.slowAdd(delayMs, 0, delayMs);
          assert.equal(core, 2);
          order.push(sum);
        }),
      );
      assert.ok(ctx.nowNs() - startNs >= 30e6, "virtual time passed the longest sleep");
    });
    assert.deepEqual(await settle(machine.platform, client.exits), [0]);
    assert.deepEqual(order, [10, 20, 30]);
  });

  it("many concurrent calls from several cores, all answered right", async () => {
    const machine = boot(4, 11);
    await settle(machine.platform, spawn(machine, 1, [1], calcServer).exits);
    const perCore = rpcCallsInFlightMax;
    const clients = spawn(machine, 2, [0, 2, 3], async (ctx) => {
      const c = await ctx.bind("calc", calc);
      const replies = await Promise.all(
        Array.from({ length: perCore }, (_, i) =>
          i % 2 === 0 ? c.add(i, ctx.coreId) : c.slowAdd(i, ctx.coreId, i % 7),
        ),
      );
      return replies.every((reply, i) => reply[0] === i + ctx.coreId) ? 0 : 1;
    });
    assert.deepEqual(await settle(machine.platform, clients.exits), [0, 0, 0]);
  });

  it("a handler that throws: the caller's promise rejects with its message, the binding goes on", async () => {
    const machine = boot(2, 5);
    await settle(machine.platform, spawn(machine, 1, [1], calcServer).exits);
    let c: RpcClient<Calc> | undefined;
    await settle(
      machine.platform,
      spawn(machine, 2, [0], async (ctx) => {
        c = await ctx.bind("calc", calc);
      }).exits,
    );
    await assert.rejects(
      settle(machine.platform, c!.fail("disk on fire")),
      /^RpcError: calc\.fail: disk on fire$/,
    );
    assert.deepEqual(await settle(machine.platform, c!.add(1, 1)), [2]);
  });

  it("the calls-in-flight bound: one call past it is rejected at once, the others complete", async () => {
    const machine = boot(2, 9);
    await settle(machine.platform, spawn(machine, 1, [1], calcServer).exits);
    let c: RpcClient<Calc> | undefined;
    await settle(
      machine.platform,
      spawn(machine, 2, [0], async (ctx) => {
        c = await ctx.bind("calc", calc);
      }).exits,
    );
    const calls = Array.from({ length: rpcCallsInFlightMax }, (_, i) => c!.slowAdd(i, 0, 1));
    await assert.rejects(c!.add(1, 2), /calc\.add: 256 calls already in flight .*rpcCallsInFlightMax/);
    const replies = await settle(machine.platform, Promise.all(calls));
    assert.deepEqual(
      replies.map(([sum]) => sum),
      Array.from({ length: rpcCallsInFlightMax }, (_, i) => i),
    );
    assert.deepEqual(await settle(machine.platform, c!.add(1, 2)), [3]);
  });
});

describe("many interleavings", () => {
  it("25 seeds × 4 cores: two services, clients on every core, calls answered now and later", async () => {
    for (let seed = 100; seed < 125; seed++) {
      const machine = boot(4, seed);
      await settle(machine.platform, spawn(machine, 1, [1], calcServer).exits);
      await settle(
        machine.platform,
        spawn(machine, 2, [3], (ctx) =>
          ctx.export("kv", kv, { get: async (key) => [key.toUpperCase(), key.length > 0] }),
        ).exits,
      );
      const clients = spawn(machine, 3, [0, 1, 2, 3], async (ctx) => {
        const [c, k] = await Promise.all([ctx.bind("calc", calc), ctx.bind("kv", kv)]);
        const sums = await Promise.all(
          Array.from({ length: 8 }, (_, i) => c.slowAdd(ctx.coreId, i, Math.floor(ctx.random() * 3))),
        );
        const [value, found] = await k.get(`core${ctx.coreId}`);
        const ok =
          sums.every(([sum, core], i) => sum === ctx.coreId + i && core === 1) &&
          value === `CORE${ctx.coreId}` &&
          found;
        return ok ? 0 : 1;
      });
      assert.deepEqual(await settle(machine.platform, clients.exits), [0, 0, 0, 0], `seed ${seed}`);
    }
  });
});

describe("one-way messages across cores", () => {
  it("arrive before a later call's reply, in the order sent", async () => {
    const counter = defineRpc("counter", {
      bump: { message: [["by", t.u32]] },
      total: { call: [], reply: [["total", t.u32]] },
    });
    const machine = boot(4, 13);
    const received: number[] = [];
    /** What the server had received when it answered `total`. */
    let receivedAtTotal: number[] = [];
    await settle(
      machine.platform,
      spawn(machine, 1, [2], (ctx) =>
        ctx.export("counter", counter, {
          bump: (by) => {
            received.push(by);
          },
          total: () => {
            receivedAtTotal = [...received];
            return [received.reduce((sum, by) => sum + by, 0)];
          },
        }),
      ).exits,
    );
    const sent = Array.from({ length: 10 }, (_, i) => i + 1);
    const client = spawn(machine, 2, [0], async (ctx) => {
      const c = await ctx.bind("counter", counter);
      for (const by of sent) c.bump(by);
      const [seen] = await c.total();
      assert.equal(seen, 55);
    });
    assert.deepEqual(await settle(machine.platform, client.exits), [0]);
    assert.deepEqual(receivedAtTotal, sent, "every message arrived before the call, in the order sent");
    assert.deepEqual(received, sent);
  });
});

describe("call timeouts", () => {
  it("a call past its timeout rejects; a server core that stopped is an error, not a hang", async () => {
    const machine = boot(4, 17);
    await settle(machine.platform, spawn(machine, 1, [2], calcServer).exits);
    const [d] = spawn(machine, 2, [0], () => {}).dispatchers;
    const c = await settle(machine.platform, d!.context.bind("calc", calc, { callTimeoutMs: 10 }));
    assert.deepEqual(await settle(machine.platform, c.slowAdd(1, 1, 5)), [2, 2]);
    await assert.rejects(
      settle(machine.platform, c.slowAdd(1, 1, 50)),
      /calc\.slowAdd: no reply within 10 ms/,
    );
    machine.platform.crash(2);
    await assert.rejects(settle(machine.platform, c.add(1, 1)), /calc\.add: no reply within 10 ms/);
    await assert.rejects(
      d!.context.bind("calc", calc, { callTimeoutMs: 0 }),
      /bind "calc": callTimeoutMs 0 is not in \(0, 86400000\]/,
    );
    await drain(machine.platform);
    assert.ok(
      !machine.platform.logLines.some((l) => /not in flight/.test(l)),
      "late replies dropped quietly",
    );
  });
});

describe("binding errors", () => {
  it("an unknown service", async () => {
    const machine = boot(4, 1);
    const d = spawn(machine, 2, [3], (ctx) => ctx.bind("nope", calc), { expectFailure: true });
    const [dispatcher] = d.dispatchers;
    assert.deepEqual(await settle(machine.platform, d.exits), [1]);
    assert.ok(
      machine.platform.logLines.some((l) => /bind "nope": no service named "nope" is registered/.test(l)),
    );
    await assert.rejects(
      settle(machine.platform, dispatcher!.context.bind("nope", calc)),
      /^BindError: bind "nope": no service named "nope" is registered$/,
    );
    await assert.rejects(
      settle(machine.platform, dispatcher!.context.bind("nope", calc)),
      (e: unknown) => e instanceof BindError && e.reason === "unknown-service" && e.serviceName === "nope",
    );
  });

  it("an unknown service near a registered one: the error asks 'did you mean'", async () => {
    const machine = boot(4, 3);
    await settle(machine.platform, spawn(machine, 1, [1], calcServer).exits);
    const [client] = spawn(machine, 2, [0, 2], () => {}).dispatchers;
    await assert.rejects(
      settle(machine.platform, client!.context.bind("clac", calc)),
      /^BindError: bind "clac": no service named "clac" is registered \(did you mean "calc"\?\)$/,
    );
    // Nothing near: no guess.
    await assert.rejects(
      settle(machine.platform, client!.context.bind("kv-store", calc)),
      /^BindError: bind "kv-store": no service named "kv-store" is registered$/,
    );
  });

  it("a wrong interface: another name, or the same name with another declaration", async () => {
    const machine = boot(4, 3);
    await settle(machine.platform, spawn(machine, 1, [1], calcServer).exits);
    const [client] = spawn(machine, 2, [0], () => {}).dispatchers;
    await assert.rejects(
      settle(machine.platform, client!.context.bind("calc", kv)),
      (e: unknown) =>
        e instanceof BindError &&
        e.reason === "wrong-interface" &&
        /bind "calc": wrong interface: the service exports calc, the client asked for kv/.test(e.message),
    );
    await assert.rejects(
      settle(machine.platform, client!.context.bind("calc", calcV2)),
      /bind "calc": wrong interface: both sides say calc, but their declarations differ/,
    );
  });

  it("the server's monitor checks the interface too, whatever the client's monitor did", async () => {
    // Cores 0 and 1 run monitors; core 2 runs only a bare bind rpc, so it can skip the client-side check.
    const platform = new LoopbackPlatform([0, 1, 2], { seed: 6 });
    const monitors = [0, 1].map((id) => platform.add(id, (env) => new Monitor(env)));
    const probe = platform.add(2, (env) => {
      const rpc = new MonitorRpc(env, bindRpc, { bind: () => [] });
      return { rpc, start: () => {}, receive: rpc.receive.bind(rpc) };
    });
    platform.start();
    const server = new Dispatcher(monitors[1]!, 1, [1]);
    await settle(platform, calcServer(server.context));
    const channelId = platform.env(2).allocateChannelId();
    await assert.rejects(
      settle(platform, probe.rpc.call(1, "bind", channelId, 2, "calc", "kv", kv.fingerprint, 1)),
      /^RpcError: monitor_bind\.bind: wrong interface: the service exports calc, the client asked for kv$/,
    );
    await assert.rejects(
      settle(platform, probe.rpc.call(1, "bind", channelId, 2, "calc", "calc", calcV2.fingerprint, 1)),
      /wrong interface: both sides say calc, but their declarations differ/,
    );
    await assert.rejects(
      settle(platform, probe.rpc.call(1, "bind", channelId, 2, "other", "calc", calc.fingerprint, 1)),
      /domain 1 on core 1 no longer exports it/,
    );
    await assert.rejects(
      settle(platform, probe.rpc.call(1, "bind", channelId, 2, "calc", "calc", calc.fingerprint, 99)),
      /domain 99 has no dispatcher on core 1 any more/,
    );
  });

  it("a dispatcher that closes frees its names; another may take them", async () => {
    const machine = boot(2, 3);
    const [server] = spawn(machine, 3, [1], () => {}).dispatchers;
    await settle(machine.platform, calcServer(server!.context));
    const [client] = spawn(machine, 2, [0], () => {}).dispatchers;
    await settle(machine.platform, client!.context.bind("calc", calc));
    server!.close();
    await drain(machine.platform);
    await assert.rejects(
      settle(machine.platform, client!.context.bind("calc", calc)),
      /bind "calc": no service named "calc" is registered/,
    );
    // The name is free again: another domain exports it.
    const [successor] = spawn(machine, 4, [1], () => {}).dispatchers;
    await settle(machine.platform, calcServer(successor!.context));
    const c = await settle(machine.platform, client!.context.bind("calc", calc));
    assert.deepEqual(await settle(machine.platform, c.add(5, 5)), [10]);
  });

  it("a core that does not exist: spawning on it, or a service record naming it", async () => {
    const machine = boot(4, 1);
    assert.throws(
      () => new Dispatcher(machine.monitors[0]!, 5, [0, 7]),
      /domain 5: core 7 does not exist \(cores: 0, 1, 2, 3\)/,
    );
    assert.throws(() => new Dispatcher(machine.monitors[0]!, 5, [1, 2]), /spans cores 1, 2, not this core 0/);
    const monitor = machine.monitors[2]!;
    await assert.rejects(
      settle(
        machine.platform,
        monitor.nameService.register({
          name: "ghost",
          interfaceName: "calc",
          fingerprint: calc.fingerprint,
          coreId: 9,
          dispatcherId: 1,
        }),
      ),
      /name_service\.register: service "ghost": core 9 does not exist \(cores: 0, 1, 2, 3\)/,
    );
  });

  it("a name already taken, and a service exported twice by one dispatcher", async () => {
    const machine = boot(4, 2);
    await settle(machine.platform, spawn(machine, 1, [1], calcServer).exits);
    const [other] = spawn(machine, 2, [3], () => {}).dispatchers;
    await assert.rejects(
      settle(machine.platform, calcServer(other!.context)),
      /export "calc": service name "calc" is already taken \(by domain 1 on core 1\)/,
    );
    await assert.rejects(
      settle(machine.platform, machine.monitors[3]!.nameService.unregister("calc", 3, 2)),
      /name_service\.unregister: service "calc" is not registered by domain 2 on core 3/,
    );
    const [again] = spawn(machine, 3, [1], () => {}).dispatchers;
    await settle(machine.platform, again!.context.export("kv", kv, { get: () => ["", false] }));
    await assert.rejects(
      again!.context.export("kv", kv, { get: () => ["", false] }),
      /export "kv": this dispatcher already exports it/,
    );
    await assert.rejects(
      again!.context.export("kv2", kv, {} as never),
      /export "kv2": no handler for kv\.get/,
    );
    await assert.rejects(
      again!.context.export("", kv, { get: () => ["", false] }),
      /a service name must be a non-empty string/,
    );
  });

  it("closing a client's dispatcher rejects its calls in flight; the server keeps serving others", async () => {
    const machine = boot(2, 4);
    const server = spawn(machine, 1, [1], calcServer);
    await settle(machine.platform, server.exits);
    const [a, b] = [spawn(machine, 2, [0], () => {}), spawn(machine, 3, [0], () => {})].map(
      (d) => d.dispatchers[0]!,
    );
    const ca = await settle(machine.platform, a!.context.bind("calc", calc));
    const cb = await settle(machine.platform, b!.context.bind("calc", calc));
    const waiting = ca.slowAdd(1, 1, 10);
    waiting.catch(() => {});
    a!.close();
    await assert.rejects(waiting, /calc\.slowAdd: the binding was closed/);
    await assert.rejects(a!.context.bind("calc", calc), /bind "calc" after the dispatcher closed/);
    assert.deepEqual(await settle(machine.platform, cb.add(2, 2)), [4]);
    await drain(machine.platform);
    assert.equal(server.dispatchers[0]!.connectionCount(), 1, "the closed client's connection is gone");
  });
});

describe("monitor", () => {
  it("drops a message of an unknown type, logging the sending core and type, and goes on", async () => {
    const machine = boot(2, 1);
    machine.platform.env(0).portTo(1).send(0x0e42, new Uint8Array(4), 4);
    await drain(machine.platform);
    assert.equal(machine.monitors[1]!.droppedMessages, 1);
    assert.ok(
      machine.platform.logLines.includes(
        "[core 1] monitor: dropped message type 0x0e42 from core 0: no module handles this type",
      ),
      machine.platform.logLines.join("\n"),
    );
    await settle(machine.platform, spawn(machine, 1, [1], calcServer).exits);
    const c = await settle(
      machine.platform,
      spawn(machine, 2, [0], () => {}).dispatchers[0]!.context.bind("calc", calc),
    );
    assert.deepEqual(await settle(machine.platform, c.add(3, 4)), [7]);
  });

  it("drops a malformed frame of a known type, logging it", async () => {
    const machine = boot(2, 1);
    machine.platform.env(0).portTo(1).send(0x0100, new Uint8Array(1), 1);
    await drain(machine.platform);
    assert.ok(
      machine.platform.logLines.some((l) => l.startsWith("[core 1] monitor: name_service with core 0:")),
    );
  });
});

describe("calls that always settle", () => {
  /** A service whose `wait` is never answered; `calls` counts the calls that reached it. */
  const held = defineRpc("held", { wait: { call: [], reply: [] } });
  let calls = 0;
  const neverAnswered = (ctx: DomainContext) =>
    ctx.export("held", held, {
      wait: () => {
        calls++;
        return new Promise<[]>(() => {});
      },
    });
  /** Steps the platform until `count` calls have reached the held service, bounded. */
  const reached = (platform: LoopbackPlatform, count: number) =>
    platform.runUntil(() => calls >= count, { maxSteps: maxSteps });

  it("a call in flight when the server's dispatcher closes rejects naming the service and its domain; so do later calls and binds", async () => {
    const machine = boot(2, 5);
    const server = spawn(machine, 7, [1], neverAnswered);
    await settle(machine.platform, server.exits);
    const [d] = spawn(machine, 2, [0], () => {}).dispatchers;
    const c = await settle(machine.platform, d!.context.bind("held", held));
    const waiting = c.wait();
    waiting.catch(() => {});
    calls = 0;
    reached(machine.platform, 1);
    server.dispatchers[0]!.close();
    await assert.rejects(
      settle(machine.platform, waiting),
      /^Error: held\.wait: service "held" closed the binding: its domain 7 on core 1 ended$/,
    );
    await assert.rejects(
      c.wait(),
      /held\.wait: the binding is closed: service "held" closed the binding: its domain 7/,
    );
    await assert.rejects(
      settle(machine.platform, d!.context.bind("held", held)),
      /^BindError: bind "held": /,
    );
  });

  it("a call nobody answers rejects after the default call timeout; Infinity waits", async () => {
    const machine = boot(2, 6);
    await settle(machine.platform, spawn(machine, 1, [1], neverAnswered).exits);
    const [d] = spawn(machine, 2, [0], () => {}).dispatchers;
    const c = await settle(machine.platform, d!.context.bind("held", held));
    const sentNs = machine.platform.nowNs();
    await assert.rejects(
      settle(machine.platform, c.wait()),
      new RegExp(`^Error: held\\.wait: no reply within ${rpcCallTimeoutMsDefault} ms from service "held"$`),
    );
    const waitedNs = machine.platform.nowNs() - sentNs;
    const timeoutNs = rpcCallTimeoutMsDefault * 1e6;
    assert.ok(
      waitedNs >= timeoutNs && waitedNs <= timeoutNs * (1 + 1 / rpcCallTimeoutSweeps),
      `${waitedNs} ns`,
    );
    const patient = await settle(
      machine.platform,
      d!.context.bind("held", held, { callTimeoutMs: Infinity }),
    );
    const forever = patient.wait();
    forever.catch(() => {});
    await assert.rejects(
      settle(machine.platform, forever),
      /platform idle after \d+ steps and the promise is still pending/,
    );
    patient.close();
    await assert.rejects(forever, /held\.wait: the binding was closed/);
  });

  it("peerCoreFailed fails the bindings to that core, naming it, and closes connections from it", async () => {
    const machine = boot(3, 8);
    const servers = [spawn(machine, 1, [1], calcServer), spawn(machine, 2, [2], (ctx) => neverAnswered(ctx))];
    for (const server of servers) await settle(machine.platform, server.exits);
    const [d] = spawn(machine, 3, [0], () => 0).dispatchers;
    const toCore1 = await settle(machine.platform, d!.context.bind("calc", calc));
    const toCore2 = await settle(machine.platform, d!.context.bind("held", held));
    const slow = toCore1.slowAdd(1, 2, 1_000);
    slow.catch(() => {});
    const waiting = toCore2.wait();
    waiting.catch(() => {});
    calls = 0;
    reached(machine.platform, 1);
    assert.equal(d!.peerCoreFailed(2, "no heartbeat for 300 ms"), 1);
    await assert.rejects(
      waiting,
      /^Error: held\.wait: core 2, where service "held" runs, failed: no heartbeat for 300 ms$/,
    );
    await assert.rejects(
      toCore2.wait(),
      /held\.wait: the binding is closed: core 2, where service "held" runs, failed/,
    );
    assert.deepEqual(await settle(machine.platform, slow), [3, 1], "the binding to core 1 goes on");
    // The server side: core 1's dispatcher drops the connection from core 0 when core 0 is declared failed.
    const serverDispatcher = servers[0]!.dispatchers[0]!;
    assert.equal(serverDispatcher.connectionCount(), 1);
    assert.equal(serverDispatcher.peerCoreFailed(0, "no heartbeat"), 0);
    assert.equal(serverDispatcher.connectionCount(), 0);
    await assert.rejects(
      settle(machine.platform, toCore1.add(1, 1)),
      /calc\.add: service "calc" closed the binding: its client's core 0 failed: no heartbeat/,
    );
  });
});
