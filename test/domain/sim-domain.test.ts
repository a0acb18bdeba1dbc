// The same domains on two platforms: a server and its clients, written once against DomainContext,
// run on the loopback platform and on the simulator (the paper's 4×4-core AMD), unchanged. Their
// time, randomness and channels come from whichever platform runs them.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Dispatcher } from "../../src/domain/dispatcher.js";
import type { DomainContext, DomainMain } from "../../src/domain/domain-context.js";
import { t } from "../../src/idl/index.js";
import { Monitor } from "../../src/monitor/monitor.js";
import { loadMachine, Simulation } from "../../src/platform/sim/index.js";
import { defineRpc } from "../../src/rpc/rpc.js";
import { boot, settle, spawn } from "./harness.js";

const store = defineRpc("store", {
  put: {
    call: [
      ["key", t.string(32)],
      ["value", t.f64],
    ],
    reply: [],
  },
  get: {
    call: [["key", t.string(32)]],
    reply: [
      ["value", t.f64],
      ["found", t.bool],
    ],
  },
});

const server: DomainMain = (ctx: DomainContext) => {
  const values = new Map<string, number>();
  return ctx.export("store", store, {
    put: async (key, value) => {
      await ctx.sleep(1);
      values.set(key, value);
      return [];
    },
    get: (key) => [values.get(key) ?? 0, values.has(key)],
  });
};

/** What the clients saw, in the order they finished. */
const seen: string[] = [];

/** Each client core writes a random value under its own key and reads it back. */
const client: DomainMain = async (ctx: DomainContext) => {
  const s = await ctx.bind("store", store);
  const value = Math.floor(ctx.random() * 1000);
  await s.put(`k${ctx.coreId}`, value);
  const [read, found] = await s.get(`k${ctx.coreId}`);
  ctx.log(`core ${ctx.coreId} wrote ${value} read ${read}`);
  seen.push(`core ${ctx.coreId} wrote ${value} read ${read} at ${Math.round(ctx.nowNs())}ns`);
  return found && read === value ? 0 : 1;
};

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs the simulator one event at a time until `promise` settles (bounded). */
async function settleSim<T>(sim: Simulation, promise: Promise<T>, maxEvents = 200_000): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let events = 0; events < maxEvents; events++) {
    await tick();
    if (done) return promise;
    if (sim.run({ maxEvents: 1 }).stoppedBy === "idle") {
      await tick();
      if (done) return promise;
      throw new Error(`sim idle after ${events} events with the promise pending`);
    }
  }
  throw new Error(`sim: promise pending after ${maxEvents} events`);
}

describe("domains run unchanged on the loopback platform and the simulator", () => {
  it("loopback, 4 cores", async () => {
    const machine = boot(4, 21);
    await settle(machine.platform, spawn(machine, 1, [1], server).exits);
    assert.deepEqual(await settle(machine.platform, spawn(machine, 2, [0, 2, 3], client).exits), [0, 0, 0]);
  });

  // The simulator runs a domain's continuations (code after an `await`) as its core's own work.
  it("simulator, amd-4x4: the same mains, virtual time from the machine model, reproducible by seed", async () => {
    const runOnce = async (seed: number) => {
      const machine = loadMachine("amd-4x4");
      const sim = new Simulation(machine, { seed });
      const monitors: Monitor[] = [];
      for (let core = 0; core < machine.cores.length; core++) {
        sim.addCore(core, (env) => {
          const monitor = new Monitor(env);
          monitors[core] = monitor;
          return monitor;
        });
      }
      seen.length = 0;
      const exported = new Dispatcher(monitors[5]!, 1, [5]).run(server);
      assert.equal(await settleSim(sim, exported), 0);
      const cores = [0, 6, 15];
      const exits = Promise.all(cores.map((core) => new Dispatcher(monitors[core]!, 2, cores).run(client)));
      assert.deepEqual(await settleSim(sim, exits), [0, 0, 0]);
      return { lines: [...seen], cycles: sim.timeCycles };
    };
    const a = await runOnce(3);
    assert.equal(a.lines.length, 3);
    assert.notDeepEqual((await runOnce(4)).lines, a.lines, "another seed, another run");
    assert.ok(a.cycles > 0);
    assert.deepEqual(await runOnce(3), a);
  });
});
