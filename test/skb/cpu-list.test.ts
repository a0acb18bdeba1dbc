import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { coresMax } from "../../src/limits.js";
import { formatCpuList, parseCpuList } from "../../src/skb/cpu-list.js";

describe("CPU lists", () => {
  it("parses numbers and ranges", () => {
    assert.deepEqual(parseCpuList("0-3,8,10-11"), [0, 1, 2, 3, 8, 10, 11]);
    assert.deepEqual(parseCpuList("5\n"), [5]);
    assert.deepEqual(parseCpuList(""), []);
    assert.deepEqual(parseCpuList("3,1,1-2"), [1, 2, 3]);
  });

  it("rejects malformed lists, naming the text", () => {
    assert.throws(() => parseCpuList("0-"), /"0-"/);
    assert.throws(() => parseCpuList("a"), /not a number or a range/);
    assert.throws(() => parseCpuList("3-1"), /backwards/);
    assert.throws(() => parseCpuList(`0-${coresMax}`), /coresMax/);
  });

  it("prints runs as ranges", () => {
    assert.equal(formatCpuList([0, 1, 2, 3, 8, 10, 11]), "0-3,8,10,11");
    assert.equal(formatCpuList([]), "");
  });

  it("round-trips any set of ids", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { maxLength: 60 }), (ids) => {
        assert.deepEqual(
          parseCpuList(formatCpuList(ids)),
          [...ids].sort((a, b) => a - b),
        );
      }),
    );
  });
});
