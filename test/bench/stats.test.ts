// Tests of bench/stats.ts: nearest-rank percentiles and summaries over known samples.
import assert from "node:assert/strict";
import { test } from "node:test";
import { percentileSorted, summarise } from "../../src/bench/stats.js";

test("summarise gives min, mean, nearest-rank p50 and p99, max", () => {
  const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100 … 1, unsorted
  const s = summarise(samples);
  assert.deepEqual(s, { count: 100, minNs: 1, meanNs: 50.5, p50Ns: 50, p99Ns: 99, maxNs: 100 });
  assert.equal(samples[0], 100, "the caller's array is not sorted in place");
});

test("percentiles of one sample are that sample", () => {
  assert.equal(percentileSorted([7], 50), 7);
  assert.equal(percentileSorted([7], 99), 7);
});

test("summarise refuses empty and non-finite samples", () => {
  assert.throws(() => summarise([]), /no samples/);
  assert.throws(() => summarise([1, Number.NaN]), /not finite/);
  assert.throws(() => percentileSorted([1], 0), /p must be/);
});
