// Tests that channel ids come back once both ends are done with them, on every platform: a core
// that binds and closes more often than its share of channel ids keeps binding (loopback through
// the monitors and dispatchers, the simulator and the real core through their CoreEnv), an id is
// not handed out again while one of its ends is still open, a reused channel carries no message of
// the channel before it, and an id given back unopened (a refused bind) is reused too. The real
// platform's cores run here in one thread over one shared memory, driven poll by poll. A closed end
// still delivers what it sent before (its frame is released after), and the largest boot's frames
// fit in one shared region.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChannelEnd, CoreEnv } from "../../src/cpu-driver/core-env.js";
import { t } from "../../src/idl/index.js";
import {
  alignedSharedBytesMax,
  channelsPerCoreMax,
  loopbackChannelsPerCoreMax,
  portCloseDrainMs,
  realCoresMax,
  simChannelsPerCoreMax,
  slotsPerRing,
} from "../../src/limits.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";
import { MemoryPlan } from "../../src/platform/real/memory-plan.js";
import { RealCore } from "../../src/platform/real/real-core.js";
import { Simulation } from "../../src/platform/sim/engine.js";
import { loadMachine } from "../../src/platform/sim/machine.js";
import { defineRpc } from "../../src/rpc/rpc.js";
import { boot, settle, spawn } from "../domain/harness.js";

/** Rounds of each reuse loop, in multiples of the platform's share of ids per core. */
const sharesOver = 3;

const echo = defineRpc("reuse_echo", { echo: { call: [["value", t.u32]], reply: [["value", t.u32]] } });

/** Opens both ends of `id` (client on core `client`, server on `server`), recording what each receives. */
function openPair(
  clientEnv: CoreEnv,
  serverEnv: CoreEnv,
  id: number,
): { client: ChannelEnd; server: ChannelEnd; atClient: number[]; atServer: number[] } {
  const atClient: number[] = [];
  const atServer: number[] = [];
  const server = serverEnv.openChannel(id, 1, clientEnv.coreId, (type) => atServer.push(type));
  const client = clientEnv.openChannel(id, 0, serverEnv.coreId, (type) => atClient.push(type));
  return { client, server, atClient, atServer };
}

describe("channel ids are reused once both ends are closed", () => {
  it(`loopback: one core binds, calls and closes ${sharesOver} × its share of ids`, async () => {
    const machine = boot(2, 5);
    const rounds = sharesOver * loopbackChannelsPerCoreMax;
    const server = spawn(machine, 1, [1], (ctx) => ctx.export("reuse", echo, { echo: (value) => [value] }));
    await settle(machine.platform, server.exits);
    const client = spawn(machine, 2, [0], async (ctx) => {
      for (let i = 0; i < rounds; i++) {
        const bound = await ctx.bind("reuse", echo);
        const [value] = await bound.echo(i);
        assert.equal(value, i, `binding ${i} got another binding's reply`);
        // Every other binding closes with a reply on its way, left unread in the old channel.
        if (i % 2 === 1) bound.echo(i + 1).catch(() => {});
        bound.close();
      }
    });
    assert.deepEqual(await settle(machine.platform, client.exits, rounds * 20), [0]);
  });

  it("loopback: an id is not reused while its server end is open, and its old messages are gone", () => {
    const platform = new LoopbackPlatform([0, 1], { seed: 3 });
    for (const id of [0, 1]) platform.add(id, () => ({ start() {}, receive() {} }));
    platform.start();
    const [env0, env1] = [platform.env(0), platform.env(1)];
    const first = env0.allocateChannelId();
    const old = openPair(env0, env1, first);
    old.server.send(7, new Uint8Array(1), 1);
    old.client.close();
    const second = env0.allocateChannelId();
    assert.notEqual(second, first, "reused while the server end was open");
    old.server.send(8, new Uint8Array(1), 1);
    old.server.close();
    assert.equal(env0.allocateChannelId(), first, "not reused once both ends closed");
    const fresh = openPair(env0, env1, first);
    fresh.server.send(9, new Uint8Array(1), 1);
    platform.runUntilIdle({ maxSteps: 100 });
    assert.deepEqual(fresh.atClient, [9]);
    assert.deepEqual(old.atClient, []);
    old.client.close();
    old.server.close();
    fresh.server.send(10, new Uint8Array(1), 1);
    platform.runUntilIdle({ maxSteps: 100 });
    assert.deepEqual(fresh.atClient, [9, 10], "a second close of the old ends closed the new channel");
  });

  it("loopback: an id given back unopened (a refused bind) is handed out again", async () => {
    const platform = new LoopbackPlatform([0, 1], { seed: 4 });
    for (const id of [0, 1]) platform.add(id, () => ({ start() {}, receive() {} }));
    platform.start();
    const env0 = platform.env(0);
    const id = env0.allocateChannelId();
    assert.throws(() => platform.env(1).releaseChannelId(id), /not one of its ids/);
    env0.releaseChannelId(id);
    assert.equal(env0.allocateChannelId(), id);
    const { client, server } = openPair(env0, platform.env(1), id);
    client.close();
    assert.throws(() => env0.releaseChannelId(id), /given up while side 1 is open on core 1/);
    server.close();
    assert.equal(env0.allocateChannelId(), id);
  });

  it("loopback: binds the server refuses give their ids back", async () => {
    const machine = boot(2, 6);
    const rounds = sharesOver * loopbackChannelsPerCoreMax;
    const [server] = spawn(machine, 3, [1], () => {}).dispatchers;
    await settle(machine.platform, server!.context.export("refuses", echo, { echo: (value) => [value] }));
    // The name stays registered but the dispatcher is gone: the server's monitor refuses each bind.
    machine.monitors[1]!.binding.detach(3);
    const client = spawn(machine, 2, [0], async (ctx) => {
      for (let i = 0; i < rounds; i++)
        await assert.rejects(ctx.bind("refuses", echo), /has no dispatcher on core 1 any more/);
    });
    assert.deepEqual(await settle(machine.platform, client.exits, rounds * 20), [0]);
  });

  it(`simulator: one core opens and closes ${sharesOver} × its share of channels`, () => {
    const sim = new Simulation(loadMachine("amd-4x4"), { seed: 2 });
    let opened = 0;
    sim.addCore(0, (env) => ({
      start() {
        for (let i = 0; i < sharesOver * simChannelsPerCoreMax; i++) {
          const id = env.allocateChannelId();
          const { client, server } = openPair(env, env, id);
          client.close();
          server.close();
          opened++;
        }
        const id = env.allocateChannelId();
        env.releaseChannelId(id);
        assert.equal(env.allocateChannelId(), id, "an id given back unopened was not reused");
      },
      receive() {},
    }));
    sim.run({ maxEvents: 100 });
    assert.equal(opened, sharesOver * simChannelsPerCoreMax);
  });
});

/**
 * Two real cores in this thread over one shared memory; `step` publishes what each has sent (as
 * the end of the sender's microtask would), then runs one poll-and-publish on each.
 */
function twoRealCores(logs: string[] = []): {
  cores: RealCore[];
  step: () => void;
  words: Int32Array;
  plan: MemoryPlan;
} {
  const plan = new MemoryPlan(2);
  const memory = new SharedArrayBuffer(plan.totalBytes);
  const policy = { idlePollNs: 0, inFlightPollNs: 0, eventLoopYieldNs: 1_000_000 };
  const cores = [0, 1].map(
    (coreId) =>
      new RealCore({ coreId, coreIds: [0, 1], memory, cpu: null, trace: false, policy }, (line) =>
        logs.push(line),
      ),
  );
  const step = () => {
    for (const core of cores) core.publish();
    for (const core of cores) {
      core.pollChannels();
      core.publish();
    }
  };
  return { cores, step, words: new Int32Array(memory), plan };
}

describe("real platform: channel frames are reused once both ends are closed", () => {
  it(`one core opens and closes ${sharesOver} × its ${channelsPerCoreMax} frames`, () => {
    const { cores, step } = twoRealCores();
    const [env0, env1] = cores.map((core) => core.env) as [CoreEnv, CoreEnv];
    for (let i = 0; i < sharesOver * channelsPerCoreMax; i++) {
      const pair = openPair(env0, env1, env0.allocateChannelId());
      pair.server.send(i, new Uint8Array(1), 1);
      step();
      assert.deepEqual(pair.atClient, [i]);
      pair.client.close();
      pair.server.close();
    }
  });

  it("a frame is not reused while its server end is open; reused, it holds no stale message", () => {
    const { cores, step } = twoRealCores();
    const [env0, env1] = cores.map((core) => core.env) as [CoreEnv, CoreEnv];
    const pairs = Array.from({ length: channelsPerCoreMax }, () =>
      openPair(env0, env1, env0.allocateChannelId()),
    );
    const [old, ...rest] = pairs as [ReturnType<typeof openPair>, ...ReturnType<typeof openPair>[]];
    for (const pair of rest) pair.client.close();
    old.server.send(7, new Uint8Array(1), 1);
    old.client.close();
    assert.throws(() => env0.allocateChannelId(), /all 64 channel frames are in use/);
    old.server.close();
    const id = env0.allocateChannelId();
    const fresh = openPair(env0, env1, id);
    fresh.server.send(9, new Uint8Array(1), 1);
    step();
    assert.deepEqual(fresh.atClient, [9], "the new client saw the old channel's message");
    assert.deepEqual(old.atClient, []);
    assert.throws(() => old.server.send(8, new Uint8Array(1), 1), /send on a closed channel end/);
    env0.releaseChannelId(id);
    assert.throws(() => env1.releaseChannelId(id), /not one of its frames/);
  });

  it("an end closed by its own handler is released only after the poll that ran it", () => {
    const { cores, step, words, plan } = twoRealCores();
    const [env0, env1] = cores.map((core) => core.env) as [CoreEnv, CoreEnv];
    const id = env0.allocateChannelId();
    const released = (side: 0 | 1) => Atomics.load(words, plan.releaseWord(id, side));
    let inHandler: number[] = [];
    const server = env1.openChannel(id, 1, 0, () => {});
    const client: ChannelEnd = env0.openChannel(id, 0, 1, () => {
      client.close();
      server.close();
      // The client's receiver still writes its acknowledgement after this handler returns.
      inHandler = [released(0), released(1)];
    });
    server.send(1, new Uint8Array(1), 1);
    server.send(2, new Uint8Array(1), 1);
    step();
    assert.deepEqual(inHandler, [0, 1], "the client side was released inside its poll");
    assert.deepEqual([released(0), released(1)], [1, 1]);
  });

  it("an end closed with messages waiting for room delivers them, and is released once they are out", () => {
    const { cores, step, words, plan } = twoRealCores();
    const [env0, env1] = cores.map((core) => core.env) as [CoreEnv, CoreEnv];
    const id = env0.allocateChannelId();
    const released = () => Atomics.load(words, plan.releaseWord(id, 0));
    const pair = openPair(env0, env1, id);
    const total = slotsPerRing * 3;
    for (let i = 0; i < total; i++) pair.client.send(i % 200, new Uint8Array(1), 1);
    pair.client.close();
    assert.equal(released(), 0, "released with messages still waiting");
    for (let round = 0; round < total && pair.atServer.length < total; round++) step();
    assert.deepEqual(
      pair.atServer,
      Array.from({ length: total }, (_, i) => i % 200),
    );
    assert.equal(released(), 1, "not released once everything was out");
  });

  it(`a peer that takes nothing: after portCloseDrainMs the rest is dropped, logged, and the side released`, () => {
    const logs: string[] = [];
    const { cores, words, plan } = twoRealCores(logs);
    const [env0, env1] = cores.map((core) => core.env) as [CoreEnv, CoreEnv];
    const id = env0.allocateChannelId();
    const pair = openPair(env0, env1, id);
    for (let i = 0; i < slotsPerRing + 10; i++) pair.client.send(1, new Uint8Array(1), 1);
    // Read before the close: the bound's timer is due portCloseDrainMs after a later time.
    const beforeCloseNs = performance.now() * 1e6;
    pair.client.close();
    const core0 = cores[0]!;
    core0.publish();
    assert.equal(core0.fireTimers(beforeCloseNs), 0, "the bound fired early");
    assert.equal(Atomics.load(words, plan.releaseWord(id, 0)), 0);
    assert.equal(core0.fireTimers((performance.now() + portCloseDrainMs + 1) * 1e6), 1);
    assert.equal(Atomics.load(words, plan.releaseWord(id, 0)), 1, "not released after the bound");
    assert.equal(logs.length, 1, logs.join("\n"));
    assert.match(
      logs[0]!,
      /closed with 10 message\(s\) waiting for room: its peer took no room for it within 1000 ms/,
    );
    assert.deepEqual(pair.atServer, [], "the server never polled");
  });
});

describe("real platform: the largest boot fits its shared memory", () => {
  it(`realCoresMax (${realCoresMax}) cores' frames and rings fit in one aligned shared region`, () => {
    const bytes = new MemoryPlan(realCoresMax).totalBytes;
    assert.ok(bytes <= alignedSharedBytesMax, `${bytes} bytes for ${realCoresMax} cores`);
  });
});
