// Tests of bench/post-message.ts: both ping-pongs complete, give sane figures, and refuse bad rounds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { measureMessageChannel, measurePostMessage } from "../../src/bench/post-message.js";

for (const [name, measure] of [
  ["postMessage", measurePostMessage],
  ["MessageChannel", measureMessageChannel],
] as const) {
  test(`${name} ping-pong yields p50 ≤ p99 over the rounds asked for`, async () => {
    const r = await measure(200);
    assert.equal(r.rounds, 200);
    assert.equal(r.summary.count, 200);
    assert.ok(r.oneWayNs > 0 && r.oneWayNs <= r.oneWayP99Ns, JSON.stringify(r.summary));
  });

  test(`${name} refuses a bad round count`, async () => {
    await assert.rejects(measure(0), RangeError);
    await assert.rejects(measure(1.5), RangeError);
  });
}
