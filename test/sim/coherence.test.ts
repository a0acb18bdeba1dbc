// Tests of the coherence model (src/platform/sim/coherence.ts), of channel placement
// (channel-placement.ts) and of the cost model's fill port:
// each mechanism changes a cost in the direction it must, and the model agrees with Table 2 where
// it is solved from it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { simulateSharedCycles } from "../../src/bench/sharing.js";
import {
  type ChannelHome,
  homeAtPackage,
  homeAtReceiver,
  homeAtSender,
  homeDetourCycles,
} from "../../src/platform/sim/channel-placement.js";
import { CoherenceModel, localUpdateCycles } from "../../src/platform/sim/coherence.js";
import { CostModel } from "../../src/platform/sim/cost-model.js";
import { Simulation } from "../../src/platform/sim/engine.js";
import { loadMachine } from "../../src/platform/sim/machine.js";

const amd4x4 = loadMachine("amd-4x4");
/** Far enough apart that nothing of one access is still queued at the next. */
const quietCycles = 1_000_000;

function model(): CoherenceModel {
  return new CoherenceModel(amd4x4, new CostModel(amd4x4));
}

test("an uncontended read costs Table 2's transfer for the shared and one-hop pairs", () => {
  const costs = new CostModel(amd4x4);
  for (const reader of [1, 4]) {
    const c = new CoherenceModel(amd4x4, costs);
    const line = c.addLine(0);
    c.update(0, line, 0);
    const took = c.read(reader, line, quietCycles) - quietCycles;
    // The one-hop answer also holds each link for its length (a few cycles over Table 2's).
    assert.ok(Math.abs(took - costs.transferCycles(0, reader)) < 10, `reader ${reader}: ${took}`);
  }
});

test("a line the core holds alone costs only the store; a second core's update costs transactions", () => {
  const c = model();
  const line = c.addLine(0);
  c.update(0, line, 0);
  assert.equal(c.update(0, line, quietCycles) - quietCycles, localUpdateCycles);
  const remote = c.update(4, line, 2 * quietCycles) - 2 * quietCycles;
  assert.ok(remote > 300, `a remote update took ${remote} cycles`);
});

test("the home's placement changes the cost: a line homed far from both cores costs more", () => {
  const near = model();
  const far = model();
  const lineNear = near.addLine(0);
  const lineFar = far.addLine(3);
  near.update(0, lineNear, 0);
  far.update(0, lineFar, 0);
  const tookNear = near.read(1, lineNear, quietCycles) - quietCycles;
  const tookFar = far.read(1, lineFar, quietCycles) - quietCycles;
  assert.ok(tookFar > tookNear + near.hopCycles, `near ${tookNear}, far ${tookFar}`);
});

test("contention: the cost per update grows with the cores sharing one line", () => {
  const perUpdate = [1, 2, 4, 8, 16].map((n) => simulateSharedCycles(amd4x4, range(n), 1, 100) / 100);
  for (let i = 1; i < perUpdate.length; i++)
    assert.ok(perUpdate[i]! > perUpdate[i - 1]!, `per update: ${perUpdate.join(", ")}`);
});

test("probes and links: at 16 cores the cost per update grows with the lines an update touches", () => {
  const perUpdate = [1, 2, 4, 8].map((lines) => simulateSharedCycles(amd4x4, range(16), lines, 50));
  for (let i = 1; i < perUpdate.length; i++)
    assert.ok(perUpdate[i]! > perUpdate[i - 1]!, `cycles: ${perUpdate.join(", ")}`);
});

test("a concurrent transaction on another line (probe engines, links) delays a read", () => {
  const c = model();
  const a = c.addLine(0);
  const b = c.addLine(0);
  c.update(0, a, 0);
  c.update(0, b, 0);
  const alone = model();
  const only = alone.addLine(0);
  alone.update(0, only, 0);
  const tookAlone = alone.read(4, only, quietCycles) - quietCycles;
  c.read(8, a, quietCycles);
  const tookBehind = c.read(4, b, quietCycles) - quietCycles;
  assert.ok(tookBehind > tookAlone, `alone ${tookAlone}, behind another ${tookBehind}`);
});

test("a locked update is one transaction; an unlocked one is two", () => {
  const locked = model();
  const plain = model();
  const l1 = locked.addLine(0);
  const l2 = plain.addLine(0);
  locked.update(0, l1, 0);
  plain.update(0, l2, 0);
  const tookLocked = locked.atomicUpdate(4, l1, quietCycles) - quietCycles;
  const tookPlain = plain.update(4, l2, quietCycles) - quietCycles;
  assert.ok(tookPlain > tookLocked + 100, `locked ${tookLocked}, plain ${tookPlain}`);
});

test("the fill port: a core takes in one line at a time", () => {
  const costs = new CostModel(amd4x4);
  const first = costs.serveRead(4, 0, 0);
  const second = costs.serveRead(8, 0, 0);
  assert.equal(first, costs.transferCycles(4, 0));
  assert.equal(second, costs.occupancyCycles(4, 0) + costs.transferCycles(8, 0));
  const elsewhere = new CostModel(amd4x4);
  elsewhere.serveRead(4, 0, 0);
  assert.equal(elsewhere.serveRead(8, 1, 0), costs.transferCycles(8, 1));
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** When one message from core 0 reaches core 4, with the given channel placement. */
function arrivalCycles(channelHome?: ChannelHome): number {
  const sim = new Simulation(amd4x4, { seed: 1, jitterFraction: 0, ...(channelHome ? { channelHome } : {}) });
  let arrived = -1;
  sim.addCore(0, (env) => ({
    start: () => env.portTo(4).send(1, new Uint8Array(1), 1),
    receive: () => {},
  }));
  sim.addCore(4, (env) => ({
    start: () => {},
    receive: () => {
      arrived = env.nowCycles();
    },
  }));
  sim.run({ maxEvents: 100 });
  return arrived;
}

test("placement: a channel homed on a third node costs its reader the detour; either end costs the same", () => {
  const atSender = arrivalCycles();
  assert.equal(arrivalCycles(homeAtReceiver(amd4x4)), atSender);
  assert.equal(arrivalCycles(homeAtSender(amd4x4)), atSender);
  const hop = model().hopCycles;
  // Cores 0 and 4 are packages 0 and 1; package 3 is one hop from 1 and two from 0: 2 extra hops.
  assert.equal(homeDetourCycles(amd4x4, hop, 0, 4, 3), 2 * hop);
  assert.ok(Math.abs(arrivalCycles(homeAtPackage(amd4x4, 3)) - atSender - 2 * hop) < 1e-6);
});
