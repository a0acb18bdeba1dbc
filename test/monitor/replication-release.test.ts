// A domain's replicated objects are released when it ends, on every core it spans, whichever way
// it ends: the spawn module on the loopback platform (test/monitor/spawn-harness.ts) runs domains
// that create objects and update them, then return, throw, return a bad status, or never return
// (abandoned), some with updates still in flight and some with a replica that never created the
// object (its messages wait in the buffer). Before the release, each core kept every object for
// good, and after replicatedObjectsMax domains every create failed; updates in flight on an ended
// domain's object never settled.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DomainContext, DomainMain } from "../../src/domain/domain-context.js";
import { replicatedObjectsMax } from "../../src/limits.js";
import { ReplicationError } from "../../src/monitor/replication-error.js";
import { drain, settle } from "../domain/harness.js";
import { bootSpawnMachine, type SpawnMachine } from "./spawn-harness.js";

type Counter = { n: number };
const counter = { initial: { n: 0 }, apply: (s: Counter, u: number): Counter => ({ n: s.n + u }) };

/** Every error an update in flight rejected with when its domain ended. */
const rejections: unknown[] = [];

/** Starts an update that its domain will not wait for; keeps what it rejects with. */
function updateInFlight(ctx: DomainContext, name: string): void {
  const object = ctx.replicated(name, counter);
  object.update(1, "one-phase").catch((error: unknown) => rejections.push(error));
}

const never = (): Promise<number> => new Promise<number>(() => {});

const programs = new Map<string, DomainMain>([
  [
    "ok",
    async (ctx) => {
      const a = ctx.replicated("a", counter);
      if (ctx.coreId === ctx.cores[0]) ctx.replicated("b", { ...counter, cores: [ctx.coreId] });
      await a.update(ctx.coreId + 1, "one-phase");
      await a.update(1, "two-phase");
      return 0;
    },
  ],
  [
    "throws",
    async (ctx) => {
      updateInFlight(ctx, "a");
      throw new Error("planned failure");
    },
  ],
  [
    "status-300",
    async (ctx) => {
      await ctx.replicated("a", counter).update(1, "one-phase");
      return 300;
    },
  ],
  [
    "hangs",
    async (ctx) => {
      updateInFlight(ctx, "a");
      return never();
    },
  ],
  [
    // Only the home creates "a": its update waits for acks the other replicas cannot send (they
    // buffer the home's apply), until the domain is abandoned.
    "home-only",
    async (ctx) => {
      if (ctx.coreId === ctx.cores[0]) updateInFlight(ctx, "a");
      return never();
    },
  ],
  [
    // Every core but the highest creates "a" and updates it from each: the updates wait for the
    // highest core's ack, at the home for the home's, at a remote requester for the home's reply.
    "one-missing",
    async (ctx) => {
      if (ctx.coreId !== ctx.cores[ctx.cores.length - 1]) updateInFlight(ctx, "a");
      return never();
    },
  ],
]);

/** What every core's replication module holds. */
function replicationHoldings(machine: SpawnMachine) {
  return machine.monitors.map((m) => ({
    objects: m.replication.objectCount,
    buffered: m.replication.bufferedCount,
    inFlight: m.replication.inFlight,
  }));
}

/** Runs `program` over `cores`, abandoning it after it went idle if it has not ended. */
async function runDomain(machine: SpawnMachine, program: string, cores: readonly number[]) {
  const { domainId, done } = machine.run(program, cores);
  await drain(machine.platform);
  machine.spawns[0]!.abandon(domainId, "run timed out");
  return settle(machine.platform, done);
}

describe("replicated objects released when their domain ends", () => {
  it("an update in flight rejects with a clear error when its domain ends", async () => {
    const machine = bootSpawnMachine(3, programs);
    rejections.length = 0;
    for (const program of ["hangs", "home-only", "one-missing"]) {
      await runDomain(machine, program, [0, 1, 2]);
      await drain(machine.platform);
    }
    assert.ok(rejections.length >= 3, `${rejections.length} updates rejected`);
    for (const error of rejections) {
      assert.ok(error instanceof ReplicationError, `a ReplicationError: ${String(error)}`);
      assert.ok(error.code === "released" || error.code === "failed", error.message);
      assert.match(error.message, /released on (its home, )?core \d/);
      assert.match(error.message, /domain \d+ on core \d ended/);
    }
    assert.ok(
      rejections.some((e) => e instanceof ReplicationError && e.code === "released"),
      "some update rejected at its own core",
    );
    assert.deepEqual(
      replicationHoldings(machine),
      machine.monitors.map(() => ({ objects: 0, buffered: 0, inFlight: 0 })),
    );
  });

  it("soak: many more domains than replicatedObjectsMax, ending every way, leave nothing held", async () => {
    const machine = bootSpawnMachine(3, programs, 11);
    rejections.length = 0;
    const kinds = ["ok", "throws", "hangs", "ok", "home-only", "status-300", "one-missing"];
    const domainCount = 3 * replicatedObjectsMax;
    const batch = 12;
    const statuses = new Map<string, number>();
    for (let first = 0; first < domainCount; first += batch) {
      const running = [];
      for (let i = first; i < first + batch; i++) {
        const program = kinds[i % kinds.length]!;
        const cores = i % 3 === 0 ? [0, 1, 2] : i % 3 === 1 ? [1, 2] : [2];
        running.push({ program, ...machine.run(program, cores) });
      }
      await drain(machine.platform);
      for (const domain of running) machine.spawns[0]!.abandon(domain.domainId, "soak timeout");
      for (const domain of running) {
        const exits = await settle(machine.platform, domain.done);
        const key = `${domain.program}:${exits.map((e) => e.status).join(",")}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
      await drain(machine.platform);
    }
    // Every "ok" domain created and updated its objects, the last ones as well as the first.
    for (const [key] of statuses) {
      if (key.startsWith("ok:")) assert.match(key, /^ok:0(,0)*$/, `an ok domain failed: ${key}`);
    }
    assert.deepEqual(
      replicationHoldings(machine),
      machine.monitors.map(() => ({ objects: 0, buffered: 0, inFlight: 0 })),
    );
    for (const error of rejections) assert.ok(error instanceof ReplicationError, String(error));
    const released = machine.monitors.reduce((n, m) => n + m.replication.counters.objectsReleased, 0);
    assert.ok(released > replicatedObjectsMax, `${released} objects released`);
  });

  it("a dispatcher made again with the same domain id may create the same object again", async () => {
    const machine = bootSpawnMachine(1, programs);
    const { Dispatcher } = await import("../../src/domain/dispatcher.js");
    for (let round = 0; round < 3; round++) {
      const dispatcher = new Dispatcher(machine.monitors[0]!, 9_000, [0]);
      const object = dispatcher.context.replicated("again", counter);
      assert.deepEqual(await settle(machine.platform, object.update(2, "one-phase")), { seq: 1 });
      dispatcher.close();
      await assert.rejects(object.update(1, "one-phase"), (error: unknown) => {
        assert.ok(error instanceof ReplicationError);
        assert.equal(error.code, "released");
        assert.match(error.message, /the object was released: its domain 9000 on core 0 ended/);
        return true;
      });
    }
    assert.equal(machine.monitors[0]!.replication.objectCount, 0);
  });
});
