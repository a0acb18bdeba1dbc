// Tests of the engine's hooks for hardware beside the channels: inter-processor interrupts
// (interrupts.ts), memory stalls, the user → monitor path (monitor-path.ts) and kernel calls
// (kernel-calls.ts), each charged exactly as stated (the handler jitter is off, so the times are
// exact).
import assert from "node:assert/strict";
import { test } from "node:test";
import type { CoreLogic } from "../../src/cpu-driver/core-env.js";
import { type SimCoreEnv, Simulation } from "../../src/platform/sim/engine.js";
import { dispatchCyclesOf, InterruptCosts, interruptExtraCycles } from "../../src/platform/sim/interrupts.js";
import {
  invlpgCycles,
  KernelCalls,
  syscallEntryCycles,
  syscallReturnCycles,
} from "../../src/platform/sim/kernel-calls.js";
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

test("a wake-up's 2,200 cycles are delivery, trap and the dispatch; a kernel handler returns instead", () => {
  const sim = new Simulation(machine, { seed: 1 });
  const costs = sim.interrupts;
  // The dispatch is Table 1's LRPC less its SYSCALL: 1,463 − 27 on amd-4x4.
  assert.equal(costs.dispatchCycles, 1463 - syscallEntryCycles);
  assert.ok(
    Math.abs(costs.deliveryCycles + costs.trapCycles + costs.dispatchCycles - interruptExtraCycles) < 1e-9,
  );
  assert.equal(costs.returnCycles, costs.trapCycles);
  // A machine without Table 1's figure keeps the whole wake-up for delivery and trap.
  assert.equal(dispatchCyclesOf(null), 0);
  assert.throws(() => dispatchCyclesOf(5_000), /no room/);
  const amd8x4 = new InterruptCosts(new Simulation(loadMachine("amd-8x4"), { seed: 1 }).costs);
  assert.equal(amd8x4.dispatchCycles, 1549 - syscallEntryCycles);
});

test("a second interrupt waits until the APIC has delivered the first (the command register)", () => {
  const sim = new Simulation(machine, { seed: 1, jitterFraction: 0 });
  const handled: number[] = [];
  const envs = new Map<number, SimCoreEnv>();
  let sentAt = -1;
  let senderFreeAt = -1;
  sim.addCore(0, (env) =>
    idle(env, () => {
      sentAt = env.nowCycles();
      for (const to of [5, 9]) sim.sendInterrupt(0, to, () => handled.push(envs.get(to)!.nowCycles()));
      senderFreeAt = env.nowCycles();
    }),
  );
  for (const core of [5, 9])
    sim.addCore(core, (env) => {
      envs.set(core, env);
      return idle(env);
    });
  sim.run(runBound);
  const costs = sim.interrupts;
  const firstDelivered = sentAt + costs.sendCycles + costs.deliveryCycles;
  // The sender waits for the first delivery, then writes the second.
  assert.equal(senderFreeAt, firstDelivered + costs.sendCycles);
  assert.deepEqual(handled, [
    firstDelivered + costs.trapCycles,
    firstDelivered + costs.sendCycles + costs.deliveryCycles + costs.trapCycles,
  ]);
});

test("kernel calls charge SYSCALL, INVLPG and SYSRET as AMD's guide gives them, and count them", () => {
  const sim = new Simulation(machine, { seed: 1, jitterFraction: 0 });
  const kernel = new KernelCalls();
  const times: number[] = [];
  sim.addCore(0, (env) =>
    idle(env, () => {
      kernel.invokeInvalidate(env, 1);
      times.push(env.nowCycles());
      kernel.invalidate(env, 2);
      times.push(env.nowCycles());
    }),
  );
  sim.run(runBound);
  assert.deepEqual([syscallEntryCycles, syscallReturnCycles, invlpgCycles], [27, 35, 80]);
  assert.deepEqual(times, [142, 142 + 160]);
  assert.equal(kernel.syscalls, 1);
  assert.equal(kernel.invalidations, 3);
});
