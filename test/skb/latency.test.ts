import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { coresMax } from "../../src/limits.js";
import { LatencyMatrix, LatencyMatrixError } from "../../src/skb/latency.js";

describe("LatencyMatrix", () => {
  it("reads a pair as the mean of both directions, and the diagonal as 0", () => {
    const m = LatencyMatrix.fromRows([
      [7, 100],
      [120, 0],
    ]);
    assert.equal(m.size, 2);
    assert.equal(m.roundTripNs(0, 1), 110);
    assert.equal(m.roundTripNs(1, 0), 110);
    assert.equal(m.roundTripNs(0, 0), 0);
    assert.deepEqual(m.toRows(), [
      [0, 110],
      [110, 0],
    ]);
  });

  it("rejects a matrix that is not square, naming the row", () => {
    assert.throws(
      () => LatencyMatrix.fromRows([[0, 1], [1]]),
      (e: unknown) => e instanceof LatencyMatrixError && /row 1 has 1 columns, expected 2/.test(e.message),
    );
    assert.throws(() => LatencyMatrix.fromRows([]), /no rows/);
  });

  it("rejects non-finite and negative entries, naming row and column", () => {
    assert.throws(
      () =>
        LatencyMatrix.fromRows([
          [0, 1, 2],
          [1, 0, Number.NaN],
          [2, 3, 0],
        ]),
      /row 1, column 2 is NaN/,
    );
    assert.throws(
      () =>
        LatencyMatrix.fromRows([
          [0, -1],
          [1, 0],
        ]),
      /row 0, column 1 is -1/,
    );
    assert.throws(
      () =>
        LatencyMatrix.fromRows([
          [0, 1],
          [Number.POSITIVE_INFINITY, 0],
        ]),
      /row 1, column 0 is Infinity/,
    );
    assert.throws(
      () => LatencyMatrix.fromRows([[0, "1"] as unknown as number[], [1, 0]]),
      /row 0, column 1 is 1/,
    );
  });

  it("rejects more than coresMax cores and out-of-range lookups", () => {
    assert.throws(() => LatencyMatrix.fromFunction(coresMax + 1, () => 1), /coresMax/);
    const m = LatencyMatrix.fromFunction(3, () => 5);
    assert.throws(() => m.roundTripNs(0, 3), RangeError);
    assert.throws(() => m.roundTripNs(-1, 0), RangeError);
  });
});
