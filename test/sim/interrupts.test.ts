// Tests of the engine's hooks for hardware beside the channels: inter-processor interrupts
// (interrupts.ts), memory stalls, and the user → monitor path (monitor-path.ts), each charged
// exactly as stated (the handler jitter is off, so the times are exact).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CoreLogic } from "../../src/cpu-driver/core-env.js";
import { type SimCoreEnv, Simulation } from "../../src/platform/sim/engine.js";
import { loadMachine } from "../../src/platform/sim/machine.js";
import { MonitorPath } from "../../src/platform/sim/monitor-path.js";

const machine = loadMachine("amd-4x4");
const runBound = { maxEvents: 1_000 };

function idle(env: SimCoreEnv, start: () => void = () => {}): CoreLogic {
  void env;
  return { start, receive: () => {} };
}

test("an interrupt costs its sender the send, arrives after the delivery, and pays trap and return", () => {
  const sim = new Simulation(machine, { seed: 1, jitterFraction: 0 });
  let sentAt = -1;
  let senderFreeAt = -1;
  let handledAt = -1;
  let targetEnv: SimCoreEnv | undefined;
  sim.addCore(0, (env) =>
    idle(env, () => {
      sentAt = env.nowCycles();
      sim.sendInterrupt(0, 5, () => {
        handledAt = targetEnv!.nowCycles();
      });
      senderFreeAt = env.nowCycles();
    }),
  );
  sim.addCore(5, (env) => {
    targetEnv = env;
    return idle(env);
  });
  sim.run(runBound);
  const costs = sim.interrupts;
  assert.equal(senderFreeAt - sentAt, costs.sendCycles);
  assert.equal(handledAt, senderFreeAt + costs.deliveryCycles + costs.trapCycles);
  // Outside any handler a core's clock is when it is next free: after the handler's return.
  assert.equal(targetEnv!.nowCycles(), handledAt + costs.returnCycles);
});

test("an interrupt or a stall from a core whose handler is not running is refused", () => {
  const sim = new Simulation(machine, { seed: 1 });
  sim.addCore(0, (env) => idle(env));
  sim.addCore(1, (env) => idle(env));
  assert.throws(() => sim.sendInterrupt(0, 1, () => {}), /core 0 is not the core whose handler runs/);
  assert.throws(() => sim.stallUntil(1, 10), /core 1/);
});

test("a stall waits for memory unscaled by speed or jitter; a past time costs nothing", () => {
  const sim = new Simulation(machine, { seed: 1 });
  const seen: number[] = [];
  sim.addCore(0, (env) =>
    idle(env, () => {
      sim.stallUntil(0, 1_234);
      seen.push(env.nowCycles());
      sim.stallUntil(0, 10);
      seen.push(env.nowCycles());
    }),
  );
  sim.run(runBound);
  assert.deepEqual(seen, [1_234, 1_234]);
});

test("the monitor path charges Table 1's LRPC once per crossing, and counts each", () => {
  const sim = new Simulation(machine, { seed: 1, jitterFraction: 0 });
  const path = MonitorPath.of(machine);
  const times: number[] = [];
  sim.addCore(0, (env) =>
    idle(env, () => {
      times.push(env.nowCycles());
      path.cross(env);
      times.push(env.nowCycles());
      path.cross(env);
      times.push(env.nowCycles());
    }),
  );
  sim.run(runBound);
  assert.equal(machine.lrpcCycles, 1463);
  assert.deepEqual(times, [0, 1463, 2926]);
  assert.equal(path.crossings, 2);
  assert.equal(MonitorPath.of(machine, false).lrpcCycles, 0);
  assert.equal(MonitorPath.of(loadMachine("amd-8x8")).lrpcCycles, 1549, "borrowed with pathsFrom");
});
