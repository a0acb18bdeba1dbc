// Tests of replicated objects spanning a core that fails (crash-stop), on the loopback platform:
// the platform's `crash(core)` stops the core, and each live monitor is told, as its failure
// detector would tell it (`Monitor.peerCoreFailed`). The guarantees checked: an update waiting for
// a failed replica's vote or ack completes on the live replicas, which stay equal; an update whose
// home failed rejects `failed` naming the home, and so does every later one; nothing stalls.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Monitor } from "../../src/monitor/monitor.js";
import {
  type ReplicatedObject,
  type ReplicationMode,
  ReplicationModule,
} from "../../src/monitor/replication.js";
import { ReplicationError } from "../../src/monitor/replication-error.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";
import { drain, type Tracked, track } from "./replication-harness.js";

interface CrashMachine {
  readonly platform: LoopbackPlatform;
  readonly monitors: readonly Monitor[];
  readonly objects: readonly ReplicatedObject<number, number>[];
}

/** Boots `coreCount` cores, each creating the counter "c" on every core. */
function boot(coreCount: number, seed: number): CrashMachine {
  const coreIds = Array.from({ length: coreCount }, (_, i) => i);
  const platform = new LoopbackPlatform(coreIds, { seed });
  const monitors: Monitor[] = [];
  const modules: ReplicationModule[] = [];
  for (const id of coreIds) {
    platform.add(id, (env) => {
      const monitor = new Monitor(env);
      modules[id] = monitor.add(new ReplicationModule(env));
      monitors[id] = monitor;
      return monitor;
    });
  }
  platform.start();
  const objects = modules.map((m) => m.create("c", { initial: 0, apply: (s: number, u: number) => s + u }));
  return { platform, monitors, objects };
}

/** Crashes `core` and tells every live monitor, as a failure detector would. */
function fail(machine: CrashMachine, core: number): void {
  machine.platform.crash(core);
  machine.monitors.forEach((monitor, id) => {
    if (id !== core) monitor.peerCoreFailed(core, `test crashed core ${core}`);
  });
}

function assertLiveAgree(machine: CrashMachine, live: readonly number[]): void {
  const [first, ...rest] = live.map((core) => machine.objects[core]!);
  for (const object of rest) {
    assert.equal(object.read(), first!.read(), "the live replicas hold the same state");
    assert.equal(object.appliedSeq, first!.appliedSeq, "the live replicas applied as many updates");
  }
}

const modes: readonly ReplicationMode[] = ["one-phase", "two-phase"];

describe("replicated objects: a replica fails", () => {
  for (const mode of modes) {
    it(`${mode}: an update waiting for the failed replica completes on the live ones`, async () => {
      const machine = boot(3, 7);
      machine.platform.crash(2);
      const waiting = track(machine.objects[1]!.update(5, { mode }));
      await drain(machine.platform);
      assert.equal(waiting.settled, false, "with core 2 stopped and not yet declared failed, it waits");
      fail(machine, 2);
      await drain(machine.platform);
      assert.ok(waiting.settled, "declared failed: the update completes");
      assert.equal(waiting.error, undefined, `no error: ${String(waiting.error)}`);
      assert.deepEqual(waiting.result, { seq: 1 });
      assertLiveAgree(machine, [0, 1]);
      assert.equal(machine.objects[0]!.read(), 5);
      assert.equal(machine.objects[0]!.failure, undefined, "the object stays usable");
    });

    it(`${mode}: later updates complete without the failed replica`, async () => {
      const machine = boot(4, 11);
      fail(machine, 3);
      const tracked: Tracked[] = [];
      for (let i = 0; i < 6; i++) tracked.push(track(machine.objects[i % 3]!.update(i + 1, { mode })));
      await drain(machine.platform);
      for (const t of tracked) assert.equal(t.error, undefined, `no error: ${String(t.error)}`);
      assert.ok(tracked.every((t) => t.settled));
      assertLiveAgree(machine, [0, 1, 2]);
      assert.equal(machine.objects[0]!.read(), 21);
    });
  }

  it("a failure met in the middle of many pipelined updates: every one is answered", async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const machine = boot(4, seed);
      const tracked: Tracked[] = [];
      for (let i = 0; i < 12; i++) {
        const mode = modes[i % 2]!;
        tracked.push(track(machine.objects[i % 3]!.update(1, { mode })));
      }
      // A few steps in, core 3 stops; the rest runs on.
      for (let i = 0; i < seed * 3; i++) machine.platform.step();
      fail(machine, 3);
      await drain(machine.platform);
      tracked.forEach((t, i) => {
        assert.ok(t.settled, `seed ${seed}: update ${i} settled`);
        assert.equal(t.error, undefined, `seed ${seed}: update ${i}: ${String(t.error)}`);
      });
      assertLiveAgree(machine, [0, 1, 2]);
      assert.equal(machine.objects[0]!.read(), 12);
    }
  });
});

describe("replicated objects: the home fails", () => {
  for (const mode of modes) {
    it(`${mode}: updates in flight and later ones reject "failed" naming the home`, async () => {
      const machine = boot(3, 3);
      machine.platform.crash(0);
      const waiting = track(machine.objects[1]!.update(5, { mode }));
      await drain(machine.platform);
      assert.equal(waiting.settled, false, "with the home stopped and not yet declared failed, it waits");
      fail(machine, 0);
      await drain(machine.platform);
      assert.ok(waiting.settled, "declared failed: the update settles");
      assert.ok(waiting.error instanceof ReplicationError);
      assert.equal(waiting.error.code, "failed");
      assert.equal(waiting.error.core, 0);
      assert.match(waiting.error.message, /its home, core 0, failed/);
      for (const core of [1, 2]) {
        assert.match(machine.objects[core]!.failure ?? "", /its home, core 0, failed/);
        const later = track(machine.objects[core]!.update(1, { mode }));
        await drain(machine.platform);
        assert.ok(later.error instanceof ReplicationError, `core ${core}: a later update rejects`);
        assert.equal(later.error.code, "failed");
        assert.equal(later.error.core, 0);
      }
    });
  }

  it("an object created after its home was declared failed is failed from the start", async () => {
    const coreIds = [0, 1];
    const platform = new LoopbackPlatform(coreIds, { seed: 5 });
    const modules: ReplicationModule[] = [];
    const monitors: Monitor[] = [];
    for (const id of coreIds) {
      platform.add(id, (env) => {
        monitors[id] = new Monitor(env);
        modules[id] = monitors[id]!.add(new ReplicationModule(env));
        return monitors[id]!;
      });
    }
    platform.start();
    platform.crash(0);
    monitors[1]!.peerCoreFailed(0, "test");
    const object = modules[1]!.create("late", { initial: 0, apply: (s: number, u: number) => s + u });
    assert.match(object.failure ?? "", /its home, core 0, failed/);
    const t = track(object.update(1, { mode: "one-phase" }));
    await drain(platform);
    assert.ok(t.error instanceof ReplicationError);
    assert.equal(t.error.code, "failed");
  });
});
