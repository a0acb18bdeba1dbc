// Tests of bench/floor.ts: a result where a C compiler exists, null with a reason where none does.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { measureFloor, measureFloorOutcome, parseFloorLine } from "../../src/bench/floor.js";

test("the floor is a result or null with a reason", async () => {
  const outcome = await measureFloorOutcome({ batches: 20, roundsPerBatch: 200 });
  if (outcome.result === null) {
    assert.ok(outcome.reason.length > 0, "a null floor says why");
  } else {
    const r = outcome.result;
    assert.ok(r.oneWayNsMedian > 0 && r.oneWayNsP99 >= r.oneWayNsMedian, JSON.stringify(r));
    assert.equal(r.rounds, 20 * 200);
    assert.equal(r.batches, 20);
  }
});

test("without a compiler the floor is null, and the reason names the compiler", async () => {
  const cacheRoot = await mkdtemp(join(tmpdir(), "multikernel-floor-test-"));
  try {
    let reason = "";
    const result = await measureFloor({ compiler: "no-such-cc-multikernel", cacheRoot }, (why) => {
      reason = why;
    });
    assert.equal(result, null);
    assert.match(reason, /no-such-cc-multikernel/);
  } finally {
    await rm(cacheRoot, { recursive: true, force: true });
  }
});

test("out-of-range options are refused before anything runs", async () => {
  await assert.rejects(measureFloorOutcome({ batches: 0 }), RangeError);
  await assert.rejects(measureFloorOutcome({ roundsPerBatch: 1e9 }), RangeError);
});

test("parseFloorLine takes the last line and checks its fields", () => {
  const ok = parseFloorLine(
    'warming up\n{"oneWayNsMedian":98.5,"oneWayNsP99":120,"rounds":1000,"batches":1}\n',
  );
  assert.deepEqual(ok, { oneWayNsMedian: 98.5, oneWayNsP99: 120, rounds: 1000, batches: 1 });
  assert.equal(typeof parseFloorLine("garbage"), "string");
  assert.equal(typeof parseFloorLine('{"oneWayNsMedian":"fast"}'), "string");
});
