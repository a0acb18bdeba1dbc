// Tests of the "did you mean" name (src/monitor/nearest-name.ts): the banded edit distance equals
// the full one wherever it is within its bound, and says "too far" (bound + 1) everywhere else
// (fast-check, against the whole dynamic-programming table, a swap of neighbours being one edit);
// the nearest name is the first of the nearest, and only within a quarter of the name's length.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { boundedEditDistance, nearestName, nearNameDistance } from "../../src/monitor/nearest-name.js";

/** The edit distance with swaps of neighbours (optimal string alignment), the whole table. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i]!;
      row[j] = Math.min(
        d[i - 1]![j]! + 1,
        row[j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** Short strings over a small alphabet, so that near pairs are common. */
const word = fc.string({ unit: fc.constantFrom("a", "b", "c", "-"), maxLength: 12 });

describe("the registered name nearest to an unknown one", () => {
  it("the banded distance is the full one within its bound, else bound + 1 (fast-check)", () => {
    fc.assert(
      fc.property(word, word, fc.integer({ min: 0, max: 6 }), (a, b, bound) => {
        const full = editDistance(a, b);
        assert.equal(boundedEditDistance(a, b, bound), full <= bound ? full : bound + 1);
      }),
      { numRuns: 2000 },
    );
  });

  it("suggests the first of the nearest names, only within a quarter of the name's length", () => {
    assert.equal(nearNameDistance("kvv"), 1);
    assert.equal(nearNameDistance("bench-echo"), 2);
    assert.equal(nearestName("kvv", ["calc", "kv", "kvs"]), "kv");
    assert.equal(nearestName("bench-ech0", ["echo", "bench-echo"]), "bench-echo");
    assert.equal(nearestName("a", ["kv", "calc"]), undefined);
    assert.equal(nearestName("clac", ["calc"]), "calc", "a swap of neighbours is one edit");
    assert.equal(nearestName("cla", ["calc"]), undefined, "two edits: past 1 for 3 letters");
    assert.equal(nearestName("bench-echoo", ["bench-ech", "bench-echo"]), "bench-echo", "nearer wins");
    assert.equal(nearestName("abcd", []), undefined);
  });
});
