// Tests of the loopback platform: FIFO per channel, broadcast, seeded interleavings, virtual time,
// step bounds, crashes and copying of message bytes.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CoreEnv, CoreLogic } from "../../src/cpu-driver/core-env.js";
import { loopbackMessageCostNs } from "../../src/limits.js";
import { LoopbackPlatform, splitmix32 } from "../../src/platform/loopback/index.js";

interface Received {
  readonly at: number;
  readonly from: number;
  readonly type: number;
  readonly bytes: number[];
}

class Recorder implements CoreLogic {
  readonly received: Received[] = [];
  onStart: (env: CoreEnv) => void = () => {};
  onReceive: (env: CoreEnv, from: number, type: number, bytes: Uint8Array) => void = () => {};
  constructor(readonly env: CoreEnv) {}
  start(): void {
    this.onStart(this.env);
  }
  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): void {
    this.received.push({ at: this.env.coreId, from: fromCore, type, bytes: [...bytes.subarray(0, length)] });
    this.onReceive(this.env, fromCore, type, bytes.subarray(0, length));
  }
}

function platformOf(
  cores: number[],
  seed: number,
): { platform: LoopbackPlatform; logic: Map<number, Recorder> } {
  const platform = new LoopbackPlatform(cores, { seed });
  const logic = new Map<number, Recorder>();
  for (const id of cores)
    logic.set(
      id,
      platform.add(id, (env) => new Recorder(env)),
    );
  return { platform, logic };
}

describe("loopback platform", () => {
  it("splitmix32 is deterministic and in [0, 1)", () => {
    const a = splitmix32(42);
    const b = splitmix32(42);
    const c = splitmix32(43);
    const xs = Array.from({ length: 1000 }, () => a());
    assert.deepEqual(
      xs,
      Array.from({ length: 1000 }, () => b()),
    );
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.notDeepEqual(
      xs.slice(0, 10),
      Array.from({ length: 10 }, () => c()),
    );
  });

  it("keeps each channel FIFO, copies bytes at send, and advances time per message", () => {
    const { platform, logic } = platformOf([0, 1, 2], 7);
    logic.get(0)!.onStart = (env) => {
      const buffer = new Uint8Array(4);
      for (let i = 0; i < 50; i++) {
        buffer[0] = i;
        env.portTo(1).send(1, buffer, 1);
        env.portTo(2).send(2, buffer, 1);
        buffer[0] = 255; // reused at once: the platform must have copied
      }
    };
    platform.start();
    const steps = platform.runUntilIdle({ maxSteps: 1000 });
    assert.equal(steps, 100);
    assert.equal(platform.nowNs(), 100 * loopbackMessageCostNs);
    for (const [core, type] of [
      [1, 1],
      [2, 2],
    ] as const) {
      const got = logic.get(core)!.received;
      assert.deepEqual(
        got.map((r) => r.bytes[0]),
        Array.from({ length: 50 }, (_, i) => i),
      );
      assert.ok(got.every((r) => r.from === 0 && r.type === type));
    }
    assert.equal(platform.counters.unicastsSent, 100);
    assert.equal(platform.counters.deliveries, 100);
    assert.equal(platform.sentCount(0, 1), 50);
  });

  it("delivers a broadcast to every other core, in order, with fromCore = the sender", () => {
    const { platform, logic } = platformOf([0, 1, 2, 3], 1);
    logic.get(2)!.onStart = (env) => {
      for (let i = 0; i < 5; i++) env.broadcastPort().send(9, Uint8Array.of(i), 1);
    };
    platform.start();
    platform.runUntilIdle({ maxSteps: 100 });
    assert.equal(platform.counters.broadcastsSent, 5);
    for (const core of [0, 1, 3]) {
      assert.deepEqual(
        logic.get(core)!.received.map((r) => [r.from, r.bytes[0]]),
        [0, 1, 2, 3, 4].map((i) => [2, i]),
      );
    }
    assert.equal(logic.get(2)!.received.length, 0);
  });

  it("interleaves channels differently for different seeds, identically for the same seed", () => {
    const orderFor = (seed: number): string => {
      const { platform, logic } = platformOf([0, 1, 2], seed);
      for (const sender of [1, 2]) {
        logic.get(sender)!.onStart = (env) => {
          for (let i = 0; i < 8; i++) env.portTo(0).send(sender, Uint8Array.of(i), 1);
        };
      }
      platform.start();
      platform.runUntilIdle({ maxSteps: 100 });
      const got = logic.get(0)!.received;
      for (const sender of [1, 2]) {
        assert.deepEqual(
          got.filter((r) => r.from === sender).map((r) => r.bytes[0]),
          [0, 1, 2, 3, 4, 5, 6, 7],
        );
      }
      return got.map((r) => r.from).join("");
    };
    assert.equal(orderFor(5), orderFor(5));
    const orders = new Set(Array.from({ length: 20 }, (_, seed) => orderFor(seed)));
    assert.ok(orders.size > 1, "different seeds give different interleavings");
  });

  it("jumps virtual time to the next timer when idle, fires timers in order, and cancels", () => {
    const { platform, logic } = platformOf([0, 1], 3);
    const fired: [string, number][] = [];
    logic.get(0)!.onStart = (env) => {
      env.setTimer(5000, () => fired.push(["late", env.nowNs()]));
      env.setTimer(1000, () => fired.push(["early", env.nowNs()]));
      env.setTimer(2000, () => fired.push(["cancelled", env.nowNs()])).cancel();
      env.portTo(1).send(1, new Uint8Array(1), 1);
    };
    platform.start();
    platform.runUntilIdle({ maxSteps: 10 });
    assert.deepEqual(fired, [
      ["early", 1000],
      ["late", 5000],
    ]);
    assert.equal(platform.counters.timersFired, 2);
  });

  it("throws a clear error when the step bound is exceeded, never hangs", () => {
    const { platform, logic } = platformOf([0, 1], 3);
    for (const id of [0, 1]) {
      logic.get(id)!.onReceive = (env, from) => env.portTo(from).send(1, new Uint8Array(1), 1);
    }
    logic.get(0)!.onStart = (env) => env.portTo(1).send(1, new Uint8Array(1), 1);
    platform.start();
    assert.throws(() => platform.runUntilIdle({ maxSteps: 100 }), /not idle after maxSteps=100 steps/);
  });

  it("runUntil stops when the predicate holds and throws when idle first", () => {
    const { platform, logic } = platformOf([0, 1], 3);
    logic.get(0)!.onStart = (env) => {
      for (let i = 0; i < 10; i++) env.portTo(1).send(1, new Uint8Array(1), 1);
    };
    platform.start();
    platform.runUntil(() => logic.get(1)!.received.length === 4, { maxSteps: 100 });
    assert.equal(logic.get(1)!.received.length, 4);
    assert.throws(() => platform.runUntil(() => false, { maxSteps: 100 }), /idle after 6 steps/);
  });

  it("a crashed core receives and sends nothing more", () => {
    const { platform, logic } = platformOf([0, 1, 2], 3);
    logic.get(0)!.onStart = (env) => {
      env.portTo(1).send(1, new Uint8Array(1), 1);
      env.portTo(2).send(1, new Uint8Array(1), 1);
    };
    logic.get(1)!.onReceive = (env) => env.broadcastPort().send(2, new Uint8Array(1), 1);
    platform.start();
    platform.crash(2);
    platform.runUntilIdle({ maxSteps: 100 });
    assert.equal(logic.get(2)!.received.length, 0);
    assert.equal(logic.get(0)!.received.length, 1);
    platform.crash(1);
    platform.env(1).portTo(0).send(1, new Uint8Array(1), 1);
    platform.runUntilIdle({ maxSteps: 100 });
    assert.equal(logic.get(0)!.received.length, 1);
    assert.ok(platform.counters.dropped >= 3);
  });

  it("dispatcher channels: ids per core, FIFO both ways, held until opened, dropped once closed", () => {
    const { platform } = platformOf([0, 1, 2], 11);
    platform.start();
    const a = platform.env(0).allocateChannelId();
    const b = platform.env(0).allocateChannelId();
    const c = platform.env(2).allocateChannelId();
    assert.equal(new Set([a, b, c]).size, 3);
    const atServer: number[] = [];
    const atClient: number[] = [];
    const client = platform.env(0).openChannel(a, 0, 1, (_type, bytes) => atClient.push(bytes[0]!));
    for (let i = 0; i < 5; i++) client.send(1, Uint8Array.of(i), 1);
    platform.runUntilIdle({ maxSteps: 100 });
    assert.equal(atServer.length, 0, "held until the server end is open");
    const server = platform.env(1).openChannel(a, 1, 0, (_type, bytes) => {
      atServer.push(bytes[0]!);
      server.send(2, Uint8Array.of(bytes[0]! + 10), 1);
    });
    platform.runUntilIdle({ maxSteps: 100 });
    assert.deepEqual(atServer, [0, 1, 2, 3, 4]);
    assert.deepEqual(atClient, [10, 11, 12, 13, 14]);
    assert.throws(() => platform.env(1).openChannel(a, 1, 0, () => {}), /already open/);
    assert.throws(() => platform.env(2).openChannel(a, 0, 2, () => {}), /already open/);
    server.close();
    client.send(1, Uint8Array.of(9), 1);
    platform.runUntilIdle({ maxSteps: 100 });
    assert.deepEqual(atServer, [0, 1, 2, 3, 4]);
    assert.throws(() => server.send(1, Uint8Array.of(0), 1), /send on a closed end/);
  });

  it("rejects misuse clearly", () => {
    assert.throws(() => new LoopbackPlatform([0, 0], { seed: 1 }), /listed twice/);
    const platform = new LoopbackPlatform([0, 1], { seed: 1 });
    assert.throws(() => platform.start(), /core 0 has no logic/);
    assert.throws(() => platform.add(5, (env) => new Recorder(env)), /not one of this platform's/);
    platform.add(0, (env) => new Recorder(env));
    assert.throws(() => platform.add(0, (env) => new Recorder(env)), /already has its logic/);
    assert.throws(() => platform.env(0).portTo(0), /no port to core 0/);
    assert.throws(() => platform.runUntilIdle({ maxSteps: 1 }), /call start\(\)/);
  });
});
