// Tests of the replicated object service on the loopback platform: one-phase and two-phase updates
// from every core at once, on 2, 4 and 8 cores under several seeds, and a property test over random
// concurrent update sets. The guarantee checked everywhere: every replica applies the same updates
// in the same order (seq 1, 2, 3, ...), each core's updates in the order it asked for them; a
// promise resolves only once every replica has applied its update; a two-phase update that some
// replica votes against is applied by none. The driver takes one platform step at a time and lets
// promise continuations run between steps, so nothing depends on wall-clock time. Last, the same
// module runs unchanged on simulated 16- and 32-core machines (virtual time, modelled costs).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { updateBytesMax, updatesInFlightMax } from "../../src/limits.js";
import { Monitor } from "../../src/monitor/monitor.js";
import {
  type ReplicatedObject,
  type ReplicatedObjectDefinition,
  type ReplicationMode,
  ReplicationModule,
  type UpdateResult,
} from "../../src/monitor/replication.js";
import { ReplicationError } from "../../src/monitor/replication-error.js";
import type { LoopbackPlatform } from "../../src/platform/loopback/index.js";
import { loadMachine, Simulation } from "../../src/platform/sim/index.js";
import { boot, drain, type Tracked, tick, track } from "./replication-harness.js";

/** An update of the test objects: who asked, their count, how, and a value. */
interface Op {
  readonly core: number;
  readonly index: number;
  readonly mode: ReplicationMode;
  readonly value: number;
}

interface Ledger {
  readonly total: number;
  readonly count: number;
}

/** A ledger whose two-phase updates may not take the total over `cap`. */
function ledger(cap: number, cores?: readonly number[]): ReplicatedObjectDefinition<Ledger, Op> {
  return {
    initial: { total: 0, count: 0 },
    apply: (state, op) => ({ total: state.total + op.value, count: state.count + 1 }),
    validate: (state, op) =>
      state.total + op.value > cap ? `total ${state.total} + ${op.value} is over ${cap}` : undefined,
    ...(cores === undefined ? {} : { cores }),
  };
}

/** Every core's log of applies, recorded through onApplied. */
function recordApplies<T, U>(objects: readonly ReplicatedObject<T, U>[]): { seq: number; update: U }[][] {
  return objects.map((object) => {
    const log: { seq: number; update: U }[] = [];
    object.onApplied((seq, update) => log.push({ seq, update }));
    return log;
  });
}

function assertAgree<T, U>(
  objects: readonly ReplicatedObject<T, U>[],
  logs: readonly { seq: number; update: U }[][],
): void {
  const first = logs[0]!;
  first.forEach((entry, i) => {
    assert.equal(entry.seq, i + 1, "seqs are 1, 2, 3, ... with no gap");
  });
  for (let c = 1; c < logs.length; c++) {
    assert.deepEqual(logs[c], first, `core ${c} applied the same updates in the same order as core 0`);
    assert.deepEqual(objects[c]!.read(), objects[0]!.read(), `core ${c}'s replica equals core 0's`);
    assert.equal(objects[c]!.appliedSeq, first.length);
  }
}

/** Each core's own updates appear in the log in the order it asked for them. */
function assertPerCoreOrder(log: readonly { update: Op }[]): void {
  const last = new Map<number, number>();
  for (const { update } of log) {
    const previous = last.get(update.core) ?? -1;
    assert.ok(update.index > previous, `core ${update.core}'s updates applied in the order asked`);
    last.set(update.core, update.index);
  }
}

const seeds = [1, 2, 3, 42];
const coreCounts = [2, 4, 8];

describe("replicated objects: one-phase", () => {
  for (const cores of coreCounts) {
    for (const seed of seeds) {
      it(`${cores} cores, seed ${seed}: concurrent updates from every core converge, in one order`, async () => {
        const { platform, modules } = boot(cores, seed);
        const objects = modules.map((m) => m.create("ledger", ledger(Number.POSITIVE_INFINITY)));
        const logs = recordApplies(objects);
        const perCore = 5;
        const tracked: Tracked[] = [];
        for (let index = 0; index < perCore; index++) {
          for (let core = 0; core < cores; core++) {
            const op: Op = { core, index, mode: "one-phase", value: core * 100 + index };
            tracked.push(
              track(objects[core]!.update(op, { mode: "one-phase" }), ({ seq }) => {
                // Resolved only once every replica has applied it.
                for (const object of objects) assert.ok(object.appliedSeq >= seq);
              }),
            );
          }
        }
        await drain(platform);
        assert.ok(tracked.every((t) => t.settled && t.error === undefined));
        assert.equal(logs[0]!.length, cores * perCore);
        assertAgree(objects, logs);
        assertPerCoreOrder(logs[0]!);
        const seqs = tracked.map((t) => t.result!.seq).sort((a, b) => a - b);
        assert.deepEqual(
          seqs,
          Array.from({ length: cores * perCore }, (_, i) => i + 1),
        );
        // Each promise's seq is the place its update took.
        let k = 0;
        for (let index = 0; index < perCore; index++) {
          for (let core = 0; core < cores; core++) {
            const entry = logs[0]![tracked[k++]!.result!.seq - 1]!;
            assert.deepEqual(entry.update, { core, index, mode: "one-phase", value: core * 100 + index });
          }
        }
        const expectedTotal = logs[0]!.reduce((sum, e) => sum + e.update.value, 0);
        assert.deepEqual(objects[cores - 1]!.read(), { total: expectedTotal, count: cores * perCore });
      });
    }
  }

  it("an object spanning some cores: home is the lowest of them; others know nothing of it", async () => {
    const { platform, modules } = boot(8, 5);
    const span = [6, 3, 5];
    const objects = span.map((core) => modules[core]!.create("part", ledger(10, span)));
    assert.equal(objects[0]!.home, 3);
    assert.deepEqual(objects[0]!.cores, [3, 5, 6]);
    const logs = recordApplies(objects);
    const done = span.map((core, i) =>
      track(objects[i]!.update({ core, index: 0, mode: "one-phase", value: 1 }, { mode: "one-phase" })),
    );
    await drain(platform);
    assert.ok(done.every((t) => t.settled && t.error === undefined));
    assertAgree(objects, logs);
    assert.equal(modules[0]!.has("part"), false);
    assert.throws(() => modules[0]!.create("part", ledger(10, span)), /is not one of the object's cores/);
  });

  it("an object on one core completes locally", async () => {
    const { platform, modules } = boot(2, 1);
    const object = modules[1]!.create("solo", ledger(0, [1]));
    const result = await object.update(
      { core: 1, index: 0, mode: "one-phase", value: 7 },
      { mode: "one-phase" },
    );
    assert.equal(result.seq, 1);
    assert.deepEqual(object.read(), { total: 7, count: 1 });
    await assert.rejects(
      object.update({ core: 1, index: 1, mode: "two-phase", value: 1 }, { mode: "two-phase" }),
      /core 1 voted no: total 7 \+ 1 is over 0/,
    );
    assert.equal(platform.queuedCount(), 0);
  });
});

describe("replicated objects: two-phase commit", () => {
  for (const cores of coreCounts) {
    for (const seed of seeds) {
      it(`${cores} cores, seed ${seed}: commit applies everywhere; a no from one replica applies nowhere`, async () => {
        const { platform, modules } = boot(cores, seed);
        const refuser = cores - 1;
        // A replica-local policy (as a core may hold a local reason to refuse a retype).
        const objects = modules.map((m, core) =>
          m.create<Ledger, Op>("account", {
            ...ledger(1000),
            validate: (state, op) =>
              core === refuser && op.value === 13
                ? `core ${core} refuses 13`
                : state.total + op.value > 1000
                  ? "over the cap"
                  : undefined,
          }),
        );
        const logs = recordApplies(objects);
        const committed = await drainAndSettle(
          platform,
          objects[0]!.update({ core: 0, index: 0, mode: "two-phase", value: 10 }, { mode: "two-phase" }),
        );
        assert.equal(committed.seq, 1);
        for (const object of objects) assert.deepEqual(object.read(), { total: 10, count: 1 });

        const aborted = track(
          objects[cores >> 1]!.update(
            { core: cores >> 1, index: 0, mode: "two-phase", value: 13 },
            { mode: "two-phase" },
          ),
        );
        await drain(platform);
        assert.ok(aborted.settled);
        const error = aborted.error;
        assert.ok(error instanceof ReplicationError, String(error));
        assert.equal(error.code, "voted-no");
        assert.equal(error.core, refuser);
        assert.equal(error.reason, `core ${refuser} refuses 13`);
        assert.match(error.message, new RegExp(`core ${refuser} voted no: core ${refuser} refuses 13`));
        for (const object of objects) {
          assert.deepEqual(object.read(), { total: 10, count: 1 }, "no replica applied the aborted update");
          assert.equal(object.appliedSeq, 1);
        }
        // An aborted update takes no seq: the next one is seq 2.
        const next = await drainAndSettle(
          platform,
          objects[refuser]!.update(
            { core: refuser, index: 1, mode: "two-phase", value: 5 },
            { mode: "two-phase" },
          ),
        );
        assert.equal(next.seq, 2);
        assertAgree(objects, logs);
      });
    }
  }

  it("several replicas vote no: the lowest of them is named", async () => {
    const { platform, modules } = boot(8, 3);
    const objects = modules.map((m, core) =>
      m.create<number, number>("x", {
        initial: 0,
        apply: (s, u) => s + u,
        validate: () => (core % 3 === 2 ? `no from ${core}` : undefined),
      }),
    );
    const t = track(objects[7]!.update(1, { mode: "two-phase" }));
    await drain(platform);
    assert.ok(t.error instanceof ReplicationError);
    assert.equal(t.error.core, 2);
    assert.equal(t.error.reason, "no from 2");
    for (const object of objects) assert.equal(object.read(), 0);
  });

  it("an apply that throws while staging is a no vote", async () => {
    const { platform, modules } = boot(3, 1);
    const objects = modules.map((m) =>
      m.create<number, number>("fragile", {
        initial: 0,
        apply: (s, u) => {
          if (u < 0) throw new Error("negative");
          return s + u;
        },
      }),
    );
    const t = track(objects[1]!.update(-1, { mode: "two-phase" }));
    await drain(platform);
    assert.ok(t.error instanceof ReplicationError);
    assert.equal(t.error.core, 0);
    assert.match(t.error.message, /apply \(staging\) threw: negative/);
  });

  for (const seed of seeds) {
    it(`8 cores, seed ${seed}: mixed modes from every core at once, validated against the state in order`, async () => {
      const { platform, modules } = boot(8, seed);
      const cap = 60;
      const objects = modules.map((m) => m.create("mixed", ledger(cap)));
      const logs = recordApplies(objects);
      const tracked: { op: Op; t: Tracked }[] = [];
      for (let index = 0; index < 4; index++) {
        for (let core = 0; core < 8; core++) {
          const mode: ReplicationMode = (core + index) % 2 === 0 ? "one-phase" : "two-phase";
          const op: Op = { core, index, mode, value: 1 + ((core * 7 + index * 3) % 9) };
          tracked.push({ op, t: track(objects[core]!.update(op, { mode })) });
        }
      }
      await drain(platform);
      assertAgree(objects, logs);
      assertPerCoreOrder(logs[0]!);
      checkLedgerLog(logs[0]!, cap);
      checkOutcomes(tracked, logs[0]!);
      assert.ok(
        tracked.some(({ t }) => t.error !== undefined),
        "some two-phase updates hit the cap",
      );
    });
  }
});

describe("replicated objects: errors and bounds", () => {
  it("unknown objects, bad modes, oversized updates: clear errors", async () => {
    const { platform, modules } = boot(2, 1);
    const m = modules[1]!;
    await assert.rejects(m.update("nope", 1, { mode: "one-phase" }), (e: unknown) => {
      assert.ok(e instanceof ReplicationError);
      assert.equal(e.code, "unknown-object");
      assert.match(e.message, /holds no object of that name/);
      return true;
    });
    assert.throws(() => m.read("nope"), /holds no object named "nope"/);
    const objects = modules.map((x) => x.create<number, number>("n", { initial: 0, apply: (s, u) => s + u }));
    for (const mode of ["three-phase", undefined, 1]) {
      await assert.rejects(
        m.update("n", 1, { mode } as unknown as { mode: ReplicationMode }),
        (e: unknown) =>
          e instanceof ReplicationError &&
          e.code === "bad-mode" &&
          /neither "one-phase" nor "two-phase"/.test(e.message),
      );
    }
    await assert.rejects(
      objects[1]!.update("x".repeat(updateBytesMax) as unknown as number, { mode: "one-phase" }),
      (e: unknown) =>
        e instanceof ReplicationError && e.code === "bad-update" && /over updateBytesMax/.test(e.message),
    );
    await assert.rejects(
      objects[1]!.update(undefined as unknown as number, { mode: "one-phase" }),
      (e: unknown) => e instanceof ReplicationError && e.code === "bad-update",
    );
    assert.throws(
      () => m.create("n", { initial: 0, apply: (s: number) => s }),
      /already has an object of that name/,
    );
    assert.throws(() => m.create("", { initial: 0, apply: (s: number) => s }), /the name is empty/);
    assert.throws(
      () => m.create("z", { initial: 0, apply: (s: number) => s, cores: [1, 9] }),
      /core 9 is not booted/,
    );
    assert.throws(
      () => m.create("z", { initial: 0, apply: (s: number) => s, cores: [1, 1] }),
      /listed twice/,
    );
    assert.equal(platform.queuedCount(), 0, "no error sent anything");
  });

  it(`more than updatesInFlightMax (${updatesInFlightMax}) updates in flight from one core: busy`, async () => {
    const { platform, modules } = boot(2, 1);
    const objects = modules.map((m) => m.create<number, number>("n", { initial: 0, apply: (s, u) => s + u }));
    const tracked = Array.from({ length: updatesInFlightMax + 1 }, () =>
      track(objects[1]!.update(1, { mode: "one-phase" })),
    );
    await drain(platform);
    const busy = tracked.filter((t) => t.error !== undefined);
    assert.equal(busy.length, 1);
    assert.ok(busy[0]!.error instanceof ReplicationError && busy[0]!.error.code === "busy");
    assert.equal(objects[0]!.read(), updatesInFlightMax);
  });

  it("messages for an object a core has not created yet wait for it", async () => {
    const { platform, modules } = boot(4, 9);
    const early = [0, 1].map((core) => modules[core]!.create("late", ledger(100)));
    const t1 = track(
      early[1]!.update({ core: 1, index: 0, mode: "one-phase", value: 1 }, { mode: "one-phase" }),
    );
    const t2 = track(
      early[0]!.update({ core: 0, index: 0, mode: "two-phase", value: 2 }, { mode: "two-phase" }),
    );
    await drain(platform);
    assert.equal(t1.settled || t2.settled, false, "waiting for cores 2 and 3");
    assert.ok(modules[2]!.bufferedCount > 0 && modules[3]!.bufferedCount > 0);
    const late = [2, 3].map((core) => modules[core]!.create("late", ledger(100)));
    await drain(platform);
    assert.ok(t1.settled && t1.error === undefined && t2.settled && t2.error === undefined);
    for (const object of [...early, ...late]) assert.deepEqual(object.read(), { total: 3, count: 2 });
    assert.equal(modules[2]!.bufferedCount, 0);
  });

  it("observers: removed ones stop hearing; an update from inside one is refused", async () => {
    const { platform, modules } = boot(2, 1);
    const objects = modules.map((m) => m.create<number, number>("n", { initial: 0, apply: (s, u) => s + u }));
    const heard: number[] = [];
    const remove = objects[1]!.onApplied((seq, update, state) => heard.push(seq, update, state));
    let inner: Promise<unknown> | undefined;
    modules[0]!.onApplied("n", () => {
      inner ??= objects[0]!.update(100, { mode: "one-phase" }).then(
        () => assert.fail("an update from inside an observer must be refused"),
        (error: unknown) => error,
      );
    });
    await drainAndSettle(platform, objects[0]!.update(5, { mode: "one-phase" }));
    assert.deepEqual(heard, [1, 5, 5]);
    const refused = await inner;
    assert.ok(refused instanceof ReplicationError && refused.code === "refused");
    assert.match(refused.message, /from inside an onApplied observer/);
    remove();
    await drainAndSettle(platform, objects[0]!.update(1, { mode: "one-phase" }));
    assert.deepEqual(heard, [1, 5, 5]);
    assert.equal(objects[1]!.read(), 6);
  });
});

describe("replicated objects: property", () => {
  it("random concurrent update sets, cores and seeds: every replica applies the same updates in the same order", async () => {
    const opArbitrary = fc.record({
      coreIndex: fc.nat(),
      mode: fc.constantFrom<ReplicationMode>("one-phase", "two-phase"),
      value: fc.integer({ min: 1, max: 9 }),
      stepsAfter: fc.integer({ min: 0, max: 6 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(2, 3, 4, 8),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.array(opArbitrary, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 10, max: 80 }),
        async (cores, seed, specs, cap) => {
          const { platform, modules } = boot(cores, seed);
          const objects = modules.map((m) => m.create("p", ledger(cap)));
          const logs = recordApplies(objects);
          const indexes = new Map<number, number>();
          const tracked: { op: Op; t: Tracked }[] = [];
          for (const spec of specs) {
            const core = spec.coreIndex % cores;
            const index = indexes.get(core) ?? 0;
            indexes.set(core, index + 1);
            const op: Op = { core, index, mode: spec.mode, value: spec.value };
            tracked.push({ op, t: track(objects[core]!.update(op, { mode: spec.mode })) });
            for (let s = 0; s < spec.stepsAfter; s++) platform.step();
          }
          await drain(platform);
          assertAgree(objects, logs);
          assertPerCoreOrder(logs[0]!);
          checkLedgerLog(logs[0]!, cap);
          checkOutcomes(tracked, logs[0]!);
        },
      ),
      { numRuns: 100, seed: 20261127 },
    );
  });
});

describe("replicated objects: on the simulator", () => {
  for (const [machineName, seed] of [
    ["amd-4x4", 1],
    ["amd-8x4", 7],
  ] as const) {
    it(`${machineName}, seed ${seed}: mixed updates from every core agree (the module runs unchanged)`, async () => {
      const machine = loadMachine(machineName);
      const sim = new Simulation(machine, { seed, log: () => {} });
      const cap = 100;
      const objects: ReplicatedObject<Ledger, Op>[] = [];
      const tracked: { op: Op; t: Tracked }[] = [];
      const logs: { seq: number; update: Op }[][] = [];
      const coreIds = Array.from({ length: machine.cores.length }, (_, i) => i);
      for (const core of coreIds) {
        sim.addCore(core, (env) => {
          const monitor = new Monitor(env);
          const replication = monitor.add(new ReplicationModule(env));
          return {
            start() {
              monitor.start();
              // Created at start, when env.coreIds lists every core of the machine.
              const object = replication.create("sim", ledger(cap));
              objects[core] = object;
              logs[core] = [];
              object.onApplied((seq, update) => logs[core]!.push({ seq, update }));
              for (let index = 0; index < 3; index++) {
                const mode: ReplicationMode = (core + index) % 3 === 0 ? "two-phase" : "one-phase";
                const op: Op = { core, index, mode, value: 1 + ((core + index) % 7) };
                tracked.push({ op, t: track(object.update(op, { mode })) });
              }
            },
            receive: (from, type, bytes, length) => monitor.receive(from, type, bytes, length),
          };
        });
      }
      const stats = sim.run({ maxEvents: 5_000_000 });
      assert.equal(stats.stoppedBy, "idle");
      await tick();
      assertAgree(objects, logs);
      assertPerCoreOrder(logs[0]!);
      checkLedgerLog(logs[0]!, cap);
      checkOutcomes(tracked, logs[0]!);
      assert.ok(
        tracked.some(({ t }) => t.error !== undefined),
        "some two-phase updates hit the cap",
      );
    });
  }
});

async function drainAndSettle(
  platform: LoopbackPlatform,
  promise: Promise<UpdateResult>,
): Promise<UpdateResult> {
  const t = track(promise);
  await drain(platform);
  assert.ok(t.settled, "settled once the platform is idle");
  return promise;
}

/** Replays the log: each two-phase update was valid on the state it met. */
function checkLedgerLog(log: readonly { seq: number; update: Op }[], cap: number): void {
  let total = 0;
  for (const { update } of log) {
    if (update.mode === "two-phase")
      assert.ok(total + update.value <= cap, `a committed update met a state it was valid on`);
    total += update.value;
  }
}

/** Every promise settled; the resolved ones are exactly the applied updates, at their seqs. */
function checkOutcomes(
  tracked: readonly { op: Op; t: Tracked }[],
  log: readonly { seq: number; update: Op }[],
): void {
  let resolved = 0;
  for (const { op, t } of tracked) {
    assert.ok(t.settled, "every update settled");
    if (t.error === undefined) {
      resolved++;
      assert.deepEqual(log[t.result!.seq - 1]!.update, op);
    } else {
      assert.equal(op.mode, "two-phase", String(t.error));
      assert.ok(t.error instanceof ReplicationError && t.error.code === "voted-no");
      assert.match(t.error.message, /is over/);
      assert.ok(
        !log.some((e) => e.update.core === op.core && e.update.index === op.index),
        "an aborted update is applied nowhere",
      );
    }
  }
  assert.equal(resolved, log.length);
}
