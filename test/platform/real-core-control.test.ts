// Tests of a real core's check before it sleeps (src/platform/real/real-core.ts), in one thread:
// a control message the boot thread counted since the core's last event-loop turn keeps it awake
// (the doorbell alone misses a ring that lands while the core is awake, which cost a 50 ms slice),
// and once the core has given its event loop that turn, it sleeps.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryPlan } from "../../src/platform/real/memory-plan.js";
import { RealCore } from "../../src/platform/real/real-core.js";

/** Short windows: the test never waits for one. */
const policy = { idlePollNs: 0, inFlightPollNs: 0, eventLoopYieldNs: 1_000_000 };
/** A timer this soon bounds the one real sleep the test takes. */
const timerDelayNs = 20_000_000;

describe("real platform: a core about to sleep checks for control messages", () => {
  it("stays awake for a counted control message until its event loop has had a turn", async () => {
    const plan = new MemoryPlan(2);
    const memory = new SharedArrayBuffer(plan.totalBytes);
    const core = new RealCore(
      { coreId: 0, coreIds: [0, 1], memory, cpu: null, trace: false, policy },
      () => {},
    );
    const words = new Int32Array(memory);
    await core.yieldToEventLoop();
    Atomics.add(words, plan.controlWord(0), 1);
    assert.equal(core.sleep(core.nowNs()), false, "slept with a control message on its way");
    await core.yieldToEventLoop();
    core.env.setTimer(timerDelayNs, () => {});
    assert.equal(core.sleep(core.nowNs()), true, "did not sleep once the message had its turn");
  });
});
