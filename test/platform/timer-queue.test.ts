// Tests of a real core's timers (src/platform/real/timer-queue.ts): due order with ties in insertion
// order, cancelled timers never fire, and timers set and cancelled at a high rate (a call timeout
// per rpc call) never fill the queue; a queue full of live timers refuses one more, naming the bound.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { timersPerCoreMax } from "../../src/limits.js";
import { TimerQueue } from "../../src/platform/real/timer-queue.js";

describe("real platform: a core's timer queue", () => {
  it("fires due timers in due order, ties in insertion order, never a cancelled one", () => {
    const queue = new TimerQueue();
    const fired: string[] = [];
    queue.add(5, () => fired.push("b"), 0);
    queue.add(1, () => fired.push("a"), 0);
    queue.add(5, () => fired.push("c"), 0);
    queue.add(3, () => fired.push("x"), 0).cancel();
    assert.equal(queue.nextDueMs(), 1);
    assert.equal(queue.fireDue(4), 1);
    assert.equal(queue.fireDue(10), 2);
    assert.deepEqual(fired, ["a", "b", "c"]);
    assert.equal(queue.nextDueMs(), Number.POSITIVE_INFINITY);
  });

  it("timers set and cancelled many times over the bound never fill it; live ones still fire", () => {
    const queue = new TimerQueue();
    let live = 0;
    const keep: number[] = [];
    for (let i = 0; i < 3 * timersPerCoreMax; i++) {
      const handle = queue.add(1000 + i, () => {}, 0);
      if (i % 1000 === 0) {
        keep.push(i);
        queue.add(2000 + i, () => live++, 0);
      }
      handle.cancel();
      handle.cancel();
    }
    assert.ok(queue.size <= timersPerCoreMax, `the queue holds ${queue.size} timers`);
    assert.equal(queue.fireDue(Number.MAX_SAFE_INTEGER), keep.length);
    assert.equal(live, keep.length);
  });

  it("refuses a timer past the bound when every pending one is live, naming the bound", () => {
    const queue = new TimerQueue();
    for (let i = 0; i < timersPerCoreMax; i++) queue.add(i, () => {}, 0);
    assert.throws(() => queue.add(1, () => {}, 0), /timersPerCoreMax/);
  });
});
