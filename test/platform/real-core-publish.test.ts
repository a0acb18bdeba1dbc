// Tests of when a real core publishes what its domains send (src/platform/real/real-core.ts), with
// two cores in one thread: outside a poll turn (a continuation that runs late, a host timer) a
// port's first send is published at once and the ones after it with a publish the core queues;
// a send inside a turn waits for the turn's end.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ChannelEnd } from "../../src/cpu-driver/core-env.js";
import { MemoryPlan } from "../../src/platform/real/memory-plan.js";
import { RealCore } from "../../src/platform/real/real-core.js";

const policy = { idlePollNs: 0, inFlightPollNs: 0, eventLoopYieldNs: 1_000_000 };

/** Core 0 sends to core 1 on one channel; `received` lists the types core 1 has polled. */
function sender(): { end: ChannelEnd; cores: RealCore[]; received: number[]; poll: () => number } {
  const plan = new MemoryPlan(2);
  const memory = new SharedArrayBuffer(plan.totalBytes);
  const cores = [0, 1].map(
    (coreId) => new RealCore({ coreId, coreIds: [0, 1], memory, cpu: null, trace: false, policy }, () => {}),
  );
  const [core0, core1] = cores as [RealCore, RealCore];
  const id = core0.env.allocateChannelId();
  const received: number[] = [];
  core1.env.openChannel(id, 1, 0, (type) => received.push(type));
  const end = core0.env.openChannel(id, 0, 1, () => {});
  return { end, cores, received, poll: () => core1.pollChannels() };
}

describe("real platform: when a core publishes its sends", () => {
  it("outside a turn: the first send at once, the ones after it with one publish queued behind", async () => {
    const { end, received, poll } = sender();
    for (let type = 1; type <= 5; type++) end.send(type, new Uint8Array(4), 4);
    assert.equal(poll(), 1, "only the first send is published before the code that sent returns");
    await Promise.resolve();
    assert.equal(poll(), 4);
    assert.deepEqual(received, [1, 2, 3, 4, 5]);
    // After the queued publish ran, a lone send goes out at once again.
    end.send(6, new Uint8Array(4), 4);
    assert.equal(poll(), 1);
    assert.deepEqual(received, [1, 2, 3, 4, 5, 6]);
  });

  it("inside a turn: when the turn ends, not at the end of the microtask", async () => {
    const { end, cores, poll } = sender();
    const core0 = cores[0]!;
    core0.continuationsBegin();
    end.send(1, new Uint8Array(4), 4);
    await Promise.resolve();
    assert.equal(poll(), 0, "a send inside a turn was published before the turn ended");
    core0.continuationsEnd();
    assert.equal(poll(), 1);
  });
});
