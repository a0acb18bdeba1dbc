// Tests of the discrete-event engine: determinism, interleavings, FIFO under faults, crash-stop,
// shared-line serialisation, the event bound, dispatcher channels. All in virtual time.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { CoreLogic } from "../../src/cpu-driver/core-env.js";
import { CacheLines, CostModel } from "../../src/platform/sim/cost-model.js";
import { type SimCoreEnv, Simulation, type SimulationOptions } from "../../src/platform/sim/engine.js";
import { loadMachine } from "../../src/platform/sim/machine.js";

const amd = loadMachine("amd-4x4");

/** Every core sends `rounds` messages to every other core; records the order each core receives in. */
function allToAll(options: SimulationOptions, rounds: number, cores = 16) {
  const sim = new Simulation(amd, options);
  const received: string[][] = [];
  for (let c = 0; c < cores; c++) {
    const log: string[] = [];
    received.push(log);
    sim.addCore(c, (env) => ({
      start() {
        for (let r = 0; r < rounds; r++) {
          for (const other of env.coreIds)
            if (other !== c) env.portTo(other).send(r, new Uint8Array([c, r]), 2);
        }
      },
      receive(from, type) {
        log.push(`${from}:${type}`);
      },
    }));
  }
  const stats = sim.run({ maxEvents: 1_000_000 });
  return { sim, received, stats };
}

test("the same seed gives a byte-identical trace", () => {
  const a = allToAll({ seed: 42, trace: true }, 3);
  const b = allToAll({ seed: 42, trace: true }, 3);
  const traceA = a.sim.traceJson();
  assert.equal(traceA, b.sim.traceJson());
  const parsed = JSON.parse(traceA) as { traceEvents: { ph: string; tid: number }[] };
  const phases = new Set(parsed.traceEvents.map((e) => e.ph));
  for (const ph of ["M", "X", "s", "f"]) assert.ok(phases.has(ph), `trace lacks ${ph} events`);
  assert.equal(new Set(parsed.traceEvents.filter((e) => e.ph === "X").map((e) => e.tid)).size, 16);
});

test("different seeds explore different interleavings of simultaneous arrivals", () => {
  // Without jitter every core sends at the same times, so arrivals at a core tie; only the seeded
  // tie-break decides the order in which a core handles them.
  const orders = new Set<string>();
  for (let seed = 1; seed <= 8; seed++) {
    orders.add(JSON.stringify(allToAll({ seed, jitterFraction: 0 }, 1, 4).received));
  }
  assert.ok(orders.size > 1, "eight seeds gave one interleaving");
});

test("every message is delivered once, in order per channel, under jitter and delay faults", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 31 }),
      fc.double({ min: 0, max: 0.9, noNaN: true }),
      (seed, p) => {
        const { received, stats, sim } = allToAll(
          { seed, jitterFraction: 0.2, faults: [{ kind: "delay", probability: p, extraCycles: 3000 }] },
          20,
          6,
        );
        assert.equal(stats.stoppedBy, "idle");
        assert.equal(stats.deliveries, 6 * 5 * 20);
        for (const log of received) {
          const next = new Map<number, number>();
          for (const entry of log) {
            const [from, round] = entry.split(":").map(Number) as [number, number];
            assert.equal(round, next.get(from) ?? 0, `out of order from ${from}`);
            next.set(from, round + 1);
          }
        }
        assert.deepEqual(sim.checker!.finish(false), []);
      },
    ),
    { numRuns: 25 },
  );
});

test("a crashed core receives nothing more and sends nothing more", () => {
  const sim = new Simulation(amd, { seed: 3, faults: [{ kind: "crash", core: 1, atCycles: 50_000 }] });
  let receivedByCrashed = 0;
  let lastReceiveCycles = 0;
  let receivedFromCrashed = 0;
  sim.addCore(0, (env) => ({
    start() {
      env.setTimer(0, function tick() {
        env.portTo(1).send(1, new Uint8Array(1), 1);
        if (env.nowNs() < 200_000 / amd.clockGHz) env.setTimer(1000, tick);
      });
    },
    receive() {
      receivedFromCrashed++;
    },
  }));
  sim.addCore(
    1,
    (env: SimCoreEnv): CoreLogic => ({
      start() {},
      receive(from) {
        receivedByCrashed++;
        lastReceiveCycles = env.nowCycles();
        env.portTo(from).send(2, new Uint8Array(1), 1);
      },
    }),
  );
  const stats = sim.run({ maxEvents: 100_000 });
  assert.ok(receivedByCrashed > 10);
  assert.ok(lastReceiveCycles < 50_000);
  assert.ok(stats.dropped > 0);
  assert.ok(receivedFromCrashed <= receivedByCrashed);
  assert.deepEqual(sim.checker!.finish(false), []);
  assert.match(sim.checker!.report(), /dropped: core 1 crashed/);
});

test("a stalled core handles nothing during the stall, and a slow core takes longer", () => {
  const run = (faults: SimulationOptions["faults"]): number[] => {
    const sim = new Simulation(amd, {
      seed: 9,
      jitterFraction: 0,
      ...(faults === undefined ? {} : { faults }),
    });
    const times: number[] = [];
    sim.addCore(0, (env) => ({
      start() {
        for (let i = 0; i < 10; i++) env.portTo(5).send(1, new Uint8Array(1), 1);
      },
      receive() {},
    }));
    sim.addCore(5, (env: SimCoreEnv) => ({
      start() {},
      receive() {
        env.chargeCycles(1000);
        times.push(env.nowCycles());
      },
    }));
    sim.run({ maxEvents: 10_000 });
    return times;
  };
  const plain = run(undefined);
  const stalled = run([{ kind: "stall", core: 5, fromCycles: 0, toCycles: 100_000 }]);
  assert.ok(stalled.every((t) => t >= 100_000));
  const slow = run([{ kind: "slow", core: 5, factor: 3 }]);
  assert.ok(slow[9]! > plain[9]! * 2);
  assert.throws(() => run([{ kind: "slow", core: 99 }]), /faults\[0\]\.core/);
});

test("a line read by N cores in turn costs the last reader about N transfers", () => {
  const machine = loadMachine("amd-8x4");
  const costs = new CostModel(machine);
  const lines = new CacheLines(costs);
  lines.write(0, 7, 0);
  const arrivals: number[] = [];
  for (let reader = 1; reader < 32; reader++) arrivals.push(lines.read(reader, 7, 0));
  const occupancy = costs.occupancyCycles(0, 31);
  const last = arrivals[30]!;
  assert.ok(last >= 30 * costs.occupancyCycles(0, 1) * 0.95, `last reader at ${last}`);
  assert.ok(last <= 31 * occupancy + costs.transferCycles(0, 31));
  assert.equal(lines.read(5, 7, last), last, "a second read hits");
});

test("a broadcast is served to its readers one at a time", () => {
  const machine = loadMachine("amd-8x4");
  const sim = new Simulation(machine, { seed: 1, jitterFraction: 0 });
  const arrival: number[] = [];
  for (let c = 0; c < 32; c++) {
    sim.addCore(c, (env: SimCoreEnv) => ({
      start() {
        if (c === 0) env.broadcastPort().send(1, new Uint8Array(8), 8);
      },
      receive(from) {
        assert.equal(from, 0);
        arrival.push(env.nowCycles());
      },
    }));
  }
  sim.run({ maxEvents: 10_000 });
  assert.equal(arrival.length, 31);
  const spread = Math.max(...arrival) - Math.min(...arrival);
  assert.ok(spread >= 29 * sim.costs.occupancyCycles(0, 1) * 0.95, `spread ${spread}`);
});

test("the event bound is respected and the run can go on", () => {
  const sim = new Simulation(amd, { seed: 1 });
  for (let c = 0; c < 2; c++) {
    sim.addCore(c, (env) => ({
      start() {
        if (c === 0) env.portTo(1).send(1, new Uint8Array(1), 1);
      },
      receive(from) {
        env.portTo(from).send(1, new Uint8Array(1), 1);
      },
    }));
  }
  const first = sim.run({ maxEvents: 100 });
  assert.equal(first.stoppedBy, "maxEvents");
  assert.equal(first.events, 100);
  const second = sim.run({ maxEvents: 50, untilCycles: sim.timeCycles + 5000 });
  assert.ok(second.events <= 50);
  assert.ok(second.virtualCycles >= first.virtualCycles);
});

test("a multi-line message costs more than a one-line message", () => {
  const oneWay = (bytes: number): number => {
    const sim = new Simulation(amd, { seed: 1, jitterFraction: 0 });
    let at = 0;
    sim.addCore(0, (env) => ({
      start() {
        env.portTo(4).send(1, new Uint8Array(bytes), bytes);
      },
      receive() {},
    }));
    sim.addCore(4, (env: SimCoreEnv) => ({
      start() {},
      receive(_from, _type, data, length) {
        assert.equal(length, bytes);
        assert.equal(data.length, bytes);
        at = env.nowCycles();
      },
    }));
    sim.run({ maxEvents: 100 });
    return at;
  };
  const one = oneWay(8);
  const four = oneWay(4 * 60);
  assert.ok(Math.abs(four - one - 3 * (1000 / 3.53)) < 1, `${one} vs ${four}`);
});

test("dispatcher channels deliver to their ends, in order, even when sent before the peer opens", () => {
  const sim = new Simulation(amd, { seed: 2 });
  const got: number[] = [];
  let channelId = 0;
  sim.addCore(0, (env) => ({
    start() {
      channelId = env.allocateChannelId();
      const end = env.openChannel(channelId, 0, 9, () => {});
      for (let i = 0; i < 100; i++) end.send(i, new Uint8Array(4), 4);
      env.portTo(9).send(7, new Uint8Array([channelId]), 1);
    },
    receive() {},
  }));
  sim.addCore(9, (env) => ({
    start() {},
    receive(_from, _type, bytes) {
      env.openChannel(bytes[0]!, 1, 0, (type) => got.push(type));
    },
  }));
  sim.run({ maxEvents: 100_000 });
  assert.deepEqual(
    got,
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.deepEqual(sim.checker!.finish(false), []);
});

test("a core's port used in another core's handler is refused; outside any handler it is the core's own work", async () => {
  const sim = new Simulation(amd, { seed: 1, jitterFraction: 0 });
  let env0: SimCoreEnv | undefined;
  const got: number[] = [];
  let gotAt = 0;
  sim.addCore(0, (env) => {
    env0 = env;
    return { start() {}, receive() {} };
  });
  sim.addCore(1, (env: SimCoreEnv) => ({
    start() {
      assert.throws(
        () => env0!.portTo(1).send(1, new Uint8Array(1), 1),
        /core 0's port used while core 1's handler runs/,
      );
    },
    receive(_from, type) {
      got.push(type);
      gotAt = env.nowCycles();
    },
  }));
  sim.run({ maxEvents: 100 });
  // A continuation (code after an await) sends between events: it runs as core 0's work.
  await Promise.resolve();
  const before = env0!.nowCycles();
  env0!.chargeCycles(1000);
  env0!.portTo(1).send(7, new Uint8Array(1), 1);
  assert.ok(env0!.nowCycles() >= before + 1000, "the continuation keeps core 0 busy");
  sim.run({ maxEvents: 100 });
  assert.deepEqual(got, [7]);
  assert.ok(gotAt >= before + 1000 + sim.costs.sendCycles);
});

test("a crash drops what the core had received but not handled, and what it had not yet sent", () => {
  const sim = new Simulation(amd, {
    seed: 4,
    faults: [
      { kind: "crash", core: 0, atCycles: 2_000 },
      { kind: "crash", core: 6, atCycles: 3_000 },
    ],
  });
  let handled = 0;
  // Core 0 queues far more than a ring holds to core 6, then crashes with most still unsent.
  sim.addCore(0, (env) => ({
    start() {
      for (let i = 0; i < 500; i++) env.portTo(6).send(1, new Uint8Array(4), 4);
    },
    receive() {},
  }));
  // Core 6 is slow, so arrivals pile up in its inbox before it crashes.
  sim.addCore(6, (env: SimCoreEnv) => ({
    start() {},
    receive() {
      env.chargeCycles(1_000);
      handled++;
    },
  }));
  const stats = sim.run({ maxEvents: 100_000 });
  assert.equal(stats.stoppedBy, "idle");
  assert.ok(handled > 0 && handled < 10, `handled ${handled}`);
  assert.deepEqual(sim.checker!.finish(false), []);
  assert.match(sim.checker!.report(), /sender 0 crashed/);
});

test("a delivered message's bytes are its own, exactly its length, whatever the sender did with its buffer after", () => {
  // Messages in flight are recycled in pools by length: each delivery must still see what was sent.
  const sim = new Simulation(amd, { seed: 3 });
  const got: string[] = [];
  const sent: string[] = [];
  const buffer = new Uint8Array(200);
  for (let c = 0; c < 4; c++) {
    sim.addCore(c, (env) => ({
      start() {
        if (c !== 0) return;
        for (let i = 0; i < 300; i++) {
          const length = [0, 1, 16, 61, 130][i % 5]!;
          for (let b = 0; b < length; b++) buffer[b] = (i * 7 + b) & 0xff;
          const to = 1 + (i % 3);
          env.portTo(to).send(i % 5, buffer, length);
          sent.push(`${to}:${length}:${Array.from(buffer.subarray(0, length)).join(",")}`);
          buffer.fill(0xee); // the engine copied it: later writes must not show
        }
        env.broadcastPort().send(9, new Uint8Array([1, 2, 3]), 3);
      },
      receive(from, type, bytes, length) {
        assert.equal(from, 0);
        assert.equal(bytes.length, length);
        if (type === 9) {
          assert.deepEqual(Array.from(bytes), [1, 2, 3]);
          bytes.fill(0); // one reader's copy is its own
          return;
        }
        got.push(`${c}:${length}:${Array.from(bytes).join(",")}`);
        bytes.fill(0xff); // valid only during the call: scribbling on it must not reach later deliveries
      },
    }));
  }
  const stats = sim.run({ maxEvents: 100_000 });
  assert.equal(stats.stoppedBy, "idle");
  assert.equal(stats.deliveries, 303);
  assert.deepEqual([...got].sort(), [...sent].sort());
});
