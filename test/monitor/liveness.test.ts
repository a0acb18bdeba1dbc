// Tests of the liveness module: heartbeats flow and nobody is suspected while every core runs; a
// crashed core is declared failed by every other monitor, once, within the detection time; slow
// cores and short stalls are not suspected; stop() lets the platform go idle. Run on the simulator,
// in virtual time.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { heartbeatIntervalNs, heartbeatMissesMax } from "../../src/limits.js";
import { LivenessModule } from "../../src/monitor/liveness.js";
import { Monitor } from "../../src/monitor/monitor.js";
import { type Fault, loadMachine, Simulation } from "../../src/platform/sim/index.js";

const machine = loadMachine("amd-4x4");
const nsToCycles = (ns: number): number => ns * machine.clockGHz;

function run(faults: Fault[], untilNs: number) {
  const sim = new Simulation(machine, { seed: 9, faults });
  const modules: LivenessModule[] = [];
  const failures: { by: number; core: number; atNs: number }[] = [];
  for (let core = 0; core < 8; core++) {
    sim.addCore(core, (env) => {
      const monitor = new Monitor(env);
      modules[core] = monitor.add(
        new LivenessModule(env, {
          onPeerFailed: (failed, atNs) => failures.push({ by: core, core: failed, atNs }),
        }),
      );
      return monitor;
    });
  }
  const stats = sim.run({ maxEvents: 10_000_000, untilCycles: nsToCycles(untilNs) });
  return { sim, modules, failures, stats };
}

describe("liveness", () => {
  const detectionNs = heartbeatIntervalNs * heartbeatMissesMax;

  it("sends heartbeats and suspects nobody while every core runs", () => {
    const { modules, failures, stats } = run([], detectionNs * 5);
    assert.equal(stats.stoppedBy, "untilCycles");
    assert.deepEqual(failures, []);
    for (const m of modules) {
      assert.ok(m.heartbeatsSent >= 7 * 5 * heartbeatMissesMax);
      assert.ok(m.heartbeatsReceived >= 7 * 5 * heartbeatMissesMax - 7);
    }
  });

  it("every live monitor declares a crashed core failed once, within the detection time", () => {
    const crashNs = detectionNs;
    const { modules, failures } = run(
      [{ kind: "crash", core: 3, atCycles: nsToCycles(crashNs) }],
      detectionNs * 5,
    );
    const by = failures.map((f) => f.by).sort((a, b) => a - b);
    assert.deepEqual(by, [0, 1, 2, 4, 5, 6, 7]);
    for (const f of failures) {
      assert.equal(f.core, 3);
      assert.ok(f.atNs > crashNs && f.atNs <= crashNs + detectionNs + 2 * heartbeatIntervalNs, `${f.atNs}`);
    }
    assert.deepEqual(modules[0]!.failedPeers, [3]);
  });

  it("does not suspect slow cores, delayed messages or stalls shorter than the timeout", () => {
    const { failures } = run(
      [
        { kind: "slow", core: 1, factor: 8 },
        { kind: "delay", probability: 0.3, extraCycles: 20_000 },
        { kind: "stall", core: 2, fromCycles: 10_000, toCycles: 10_000 + nsToCycles(detectionNs / 2) },
      ],
      detectionNs * 5,
    );
    assert.deepEqual(failures, []);
  });

  it("stop() cancels the heartbeats, so the platform goes idle", () => {
    const { sim, modules } = run([], detectionNs);
    for (const m of modules) m.stop();
    assert.equal(sim.run({ maxEvents: 1_000_000 }).stoppedBy, "idle");
  });

  it("rejects bounds that make no sense", () => {
    const sim = new Simulation(machine, { seed: 1 });
    sim.addCore(0, (env) => {
      assert.throws(() => new LivenessModule(env, { heartbeatMissesMax: 1 }), /heartbeatMissesMax/);
      assert.throws(() => new LivenessModule(env, { heartbeatIntervalNs: 0 }), /heartbeatIntervalNs/);
      return { start() {}, receive() {} };
    });
  });
});
