// Tests of broadcast rings as lines of the coherence model (src/platform/sim/broadcast-lines.ts):
// a broadcast's slot is one line whose readers are ordered at its home, so a broadcast to many
// readers costs more than the same number of point-to-point messages, while a broadcast to one
// reader, and every point-to-point channel, keeps the calibrated (Table 2) cost.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CoherenceModel } from "../../src/platform/sim/coherence.js";
import { CostModel } from "../../src/platform/sim/cost-model.js";
import { Simulation } from "../../src/platform/sim/engine.js";
import { loadMachine } from "../../src/platform/sim/machine.js";

const amd4x4 = loadMachine("amd-4x4");
/** A data latency for orderedRead that queues nowhere: only the home can order the reads. */
const fixedDataCycles = 300;
const maxEvents = 100_000;

/** Each reader's arrival (its handler's start) for one message from cores[0], by broadcast or by one send per reader. */
function arrivals(machineName: string, cores: readonly number[], broadcast: boolean): number[] {
  const sim = new Simulation(loadMachine(machineName), { seed: 1, jitterFraction: 0 });
  const times: number[] = [];
  const bytes = new Uint8Array(8);
  for (const id of cores) {
    sim.addCore(id, (env) => ({
      start: () => {
        if (id !== cores[0]) return;
        if (broadcast) env.broadcastPort().send(1, bytes, bytes.length);
        else for (const reader of cores.slice(1)) env.portTo(reader).send(1, bytes, bytes.length);
      },
      receive: () => {
        times.push(env.nowCycles());
      },
    }));
  }
  sim.run({ maxEvents });
  assert.equal(times.length, cores.length - 1, "every reader got the message");
  return times.sort((a, b) => a - b);
}

test("readers of one line wait for each other at its home; readers of separate lines do not", () => {
  const one = new CoherenceModel(amd4x4, new CostModel(amd4x4));
  const line = one.addLine(0);
  one.written(0, line);
  const first = one.orderedRead(4, line, 0, (t) => t + fixedDataCycles);
  const second = one.orderedRead(8, line, 0, (t) => t + fixedDataCycles);
  assert.equal(first, fixedDataCycles, "a read that finds the home free costs what its data costs");
  assert.ok(second >= first + fixedDataCycles / 2, `the second reader's data came at ${second}`);

  const two = new CoherenceModel(amd4x4, new CostModel(amd4x4));
  const lineA = two.addLine(0);
  const lineB = two.addLine(0);
  two.written(0, lineA);
  two.written(0, lineB);
  assert.equal(
    two.orderedRead(4, lineA, 0, (t) => t + fixedDataCycles),
    fixedDataCycles,
  );
  assert.equal(
    two.orderedRead(8, lineB, 0, (t) => t + fixedDataCycles),
    fixedDataCycles,
  );
});

test("a broadcast to one reader costs exactly a point-to-point message (the calibration)", () => {
  for (const reader of [1, 4, 12]) {
    const viaBroadcast = arrivals("amd-4x4", [0, reader], true);
    const viaPort = arrivals("amd-4x4", [0, reader], false);
    assert.deepEqual(viaBroadcast, viaPort, `core 0 to core ${reader}`);
  }
});

test("a broadcast to 15 readers costs more than 15 point-to-point messages", () => {
  const cores = Array.from({ length: 16 }, (_, i) => i);
  const viaBroadcast = arrivals("amd-4x4", cores, true);
  const viaPorts = arrivals("amd-4x4", cores, false);
  const lastBroadcast = viaBroadcast.at(-1)!;
  const lastPorts = viaPorts.at(-1)!;
  // The unicast sender pays 14 more sends (sendCycles each) and still finishes first.
  assert.ok(lastBroadcast > lastPorts, `broadcast ${lastBroadcast} cycles, unicast ${lastPorts}`);
});

test("point-to-point messages cost what the calibrated model alone gives", () => {
  // Without any broadcast ring, a fan-out of point-to-point messages: each arrival is the
  // sender's cache serving one line after another (CostModel.serveRead) plus the reader's receive.
  const cores = Array.from({ length: 16 }, (_, i) => i);
  const viaPorts = arrivals("amd-4x4", cores, false);
  const costs = new CostModel(amd4x4);
  const expected = cores
    .slice(1)
    .map((reader, k) => costs.serveRead(0, reader, (k + 1) * costs.sendCycles) + costs.receiveCycles)
    .sort((a, b) => a - b);
  for (let i = 0; i < expected.length; i++)
    assert.ok(Math.abs(viaPorts[i]! - expected[i]!) < 1e-6, `arrival ${i}: ${viaPorts[i]} vs ${expected[i]}`);
});
