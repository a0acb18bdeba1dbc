// Tests of what a failure detection reaches and what it must not conclude, in virtual time (the
// simulator) and on a monitor alone: a core stalled for longer than the detection time is declared
// failed by the others, but does not, on resuming, declare them failed for its own silence (only,
// later, for theirs: they stopped sending to it, the crash-stop model); with
// `armAtStart: false` (as on real cores) no peer is watched until `arm()`; and the
// monitor hands a failure to each module that handles failures, once, even if one of them throws.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { heartbeatIntervalNs, heartbeatMissesMax } from "../../src/limits.js";
import { LivenessModule } from "../../src/monitor/liveness.js";
import { Monitor, type StartableModule } from "../../src/monitor/monitor.js";
import { type Fault, loadMachine, Simulation } from "../../src/platform/sim/index.js";

const machine = loadMachine("amd-4x4");
const nsToCycles = (ns: number): number => ns * machine.clockGHz;
const detectionNs = heartbeatIntervalNs * heartbeatMissesMax;
/** Cores of each simulated run. */
const coreCount = 4;
/** Bound on the events of one simulated run. */
const eventsMax = 10_000_000;

interface Detection {
  readonly by: number;
  readonly core: number;
  readonly atNs: number;
}

function simulate(faults: Fault[], untilNs: number, armAtStart: boolean): Detection[] {
  const sim = new Simulation(machine, { seed: 11, faults });
  const detections: Detection[] = [];
  for (let core = 0; core < coreCount; core++) {
    sim.addCore(core, (env) => {
      const monitor = new Monitor(env);
      monitor.add(
        new LivenessModule(env, {
          armAtStart,
          onPeerFailed: (failed, atNs) => detections.push({ by: core, core: failed, atNs }),
        }),
      );
      return monitor;
    });
  }
  sim.run({ maxEvents: eventsMax, untilCycles: nsToCycles(untilNs) });
  return detections;
}

/** A module that records the failures it hears of, or throws on each. */
class FailureRecorder implements StartableModule {
  readonly heard: number[] = [];
  constructor(
    readonly name: string,
    private readonly throws = false,
  ) {}
  receive(): boolean {
    return false;
  }
  peerCoreFailed(coreId: number): void {
    this.heard.push(coreId);
    if (this.throws) throw new Error(`${this.name} cannot handle it`);
  }
}

describe("failure detection: what it concludes and whom it tells", () => {
  it("a core stalled past the detection time is declared failed, and suspects no one itself", () => {
    const stallEndNs = detectionNs * 3;
    const stall: Fault = { kind: "stall", core: 2, fromCycles: 10_000, toCycles: nsToCycles(stallEndNs) };
    const detections = simulate([stall], detectionNs * 6, true);
    const byOthers = detections.filter((d) => d.by !== 2);
    assert.deepEqual(byOthers.map((d) => d.by).sort(), [0, 1, 3]);
    assert.ok(byOthers.every((d) => d.core === 2));
    const byStalled = detections.filter((d) => d.by === 2);
    assert.ok(
      byStalled.every((d) => d.atNs >= stallEndNs + detectionNs),
      `the stalled core blamed its own silence on others: ${JSON.stringify(byStalled)}`,
    );
  });

  it("with armAtStart false, no core is suspected until arm()", () => {
    const crashAtStart: Fault = { kind: "crash", core: 1, atCycles: 0 };
    assert.deepEqual(simulate([crashAtStart], detectionNs * 5, false), []);
    assert.ok(simulate([crashAtStart], detectionNs * 5, true).length > 0, "the default suspects from start");
  });

  it("the monitor tells each module that handles failures once, even when one throws", () => {
    const sim = new Simulation(machine, { seed: 3, faults: [] });
    const lines: string[] = [];
    const first = new FailureRecorder("first", true);
    const second = new FailureRecorder("second");
    let monitor: Monitor | undefined;
    for (const core of [0, 1, 2]) {
      sim.addCore(core, (env) => {
        const m = new Monitor({ ...env, log: (line) => lines.push(line) });
        if (core === 0) {
          m.add(first);
          m.add(second);
          monitor = m;
        }
        return m;
      });
    }
    sim.run({ maxEvents: eventsMax });
    assert.ok(monitor !== undefined);
    monitor.peerCoreFailed(2, "test");
    monitor.peerCoreFailed(2, "test, again");
    monitor.peerCoreFailed(0, "its own core");
    assert.deepEqual(first.heard, [2]);
    assert.deepEqual(second.heard, [2]);
    assert.ok(lines.some((line) => /module first failed handling the failure of core 2/.test(line)));
  });
});
