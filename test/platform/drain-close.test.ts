// A port's drain waiters across its close, on the three platforms (PortDrain, core-env.ts: "closing
// the port forgets every waiter without calling it"): a waiter asked for while messages wait for
// room, then the port's end closed, is never called, even though what was sent before the close
// still goes out (a closed end delivers its backlog on every platform).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChannelEnd, CoreEnv } from "../../src/cpu-driver/core-env.js";
import { slotsPerRing } from "../../src/limits.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";
import { MemoryPlan } from "../../src/platform/real/memory-plan.js";
import { RealCore } from "../../src/platform/real/real-core.js";
import { Simulation } from "../../src/platform/sim/engine.js";
import { loadMachine } from "../../src/platform/sim/machine.js";

/** Messages sent past a ring's worth, so that some wait for room on every platform. */
const pastRing = 10;
/** Bound on the steps, events or polls of one test: far more than a few hundred deliveries. */
const stepsMax = 100_000;

/** Sends a ring's worth and `pastRing` more on `end`, asks for a drain waiter, then closes `end`. */
function sendWaitClose(end: ChannelEnd): { called: () => number } {
  let called = 0;
  for (let i = 0; i < slotsPerRing + pastRing; i++) end.send(1, new Uint8Array(1), 1);
  assert.ok(end.drain!.messagesWaiting() > 0, "nothing waited: the test shows nothing");
  end.drain!.whenDrained(() => called++);
  end.close();
  return { called: () => called };
}

describe("a port's drain waiters are forgotten when its end closes", () => {
  it("loopback", () => {
    const platform = new LoopbackPlatform([0, 1], { seed: 3 });
    for (const id of [0, 1]) platform.add(id, () => ({ start() {}, receive() {} }));
    platform.start();
    const id = platform.env(0).allocateChannelId();
    let delivered = 0;
    platform.env(1).openChannel(id, 1, 0, () => delivered++);
    const waiter = sendWaitClose(platform.env(0).openChannel(id, 0, 1, () => {}));
    platform.runUntilIdle({ maxSteps: stepsMax });
    assert.equal(delivered, slotsPerRing + pastRing, "what was sent before the close was delivered");
    assert.equal(waiter.called(), 0, "a waiter of a closed end was called");
  });

  it("simulator", () => {
    const sim = new Simulation(loadMachine("amd-2x2"), { seed: 2 });
    let delivered = 0;
    let waiter: { called: () => number } | undefined;
    let server: CoreEnv | undefined;
    sim.addCore(1, (env) => {
      server = env;
      return { start() {}, receive() {} };
    });
    sim.addCore(0, (env) => ({
      start() {
        const id = env.allocateChannelId();
        server!.openChannel(id, 1, 0, () => delivered++);
        waiter = sendWaitClose(env.openChannel(id, 0, 1, () => {}));
      },
      receive() {},
    }));
    sim.run({ maxEvents: stepsMax });
    assert.equal(delivered, slotsPerRing + pastRing, "what was sent before the close was delivered");
    assert.equal(waiter!.called(), 0, "a waiter of a closed end was called");
  });

  it("real cores", () => {
    const plan = new MemoryPlan(2);
    const memory = new SharedArrayBuffer(plan.totalBytes);
    const policy = { idlePollNs: 0, inFlightPollNs: 0, eventLoopYieldNs: 1_000_000 };
    const cores = [0, 1].map(
      (coreId) =>
        new RealCore({ coreId, coreIds: [0, 1], memory, cpu: null, trace: false, policy }, () => {}),
    );
    const [env0, env1] = [cores[0]!.env, cores[1]!.env];
    const id = env0.allocateChannelId();
    let delivered = 0;
    env1.openChannel(id, 1, 0, () => delivered++);
    const waiter = sendWaitClose(env0.openChannel(id, 0, 1, () => {}));
    for (let round = 0; round < stepsMax && delivered < slotsPerRing + pastRing; round++) {
      for (const core of cores) core.publish();
      for (const core of cores) {
        core.pollChannels();
        core.publish();
      }
    }
    assert.equal(delivered, slotsPerRing + pastRing, "what was sent before the close was delivered");
    assert.equal(waiter.called(), 0, "a waiter of a closed end was called");
  });
});
