// What main may resolve to (src/monitor/exit-status.ts): an exit status, a result handed back with
// status 0, or a value refused with status 1 and an error saying why.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { domainResultBytesMax } from "../../src/limits.js";
import { exitOutcomeOf } from "../../src/monitor/exit-status.js";

describe("exit statuses and results", () => {
  it("takes undefined and integers 0–255 as statuses, with no result", () => {
    assert.deepEqual(exitOutcomeOf(undefined), { status: 0, error: "" });
    assert.deepEqual(exitOutcomeOf(0), { status: 0, error: "" });
    assert.deepEqual(exitOutcomeOf(255), { status: 255, error: "" });
  });

  it("hands back any other structured-cloneable value as the result, with status 0", () => {
    for (const value of [{ a: [1, 2] }, "text", [1, "x"], true, null, 10n, new Map([[1, 2]]), new Date(0)])
      assert.deepEqual(exitOutcomeOf(value), { status: 0, error: "", value });
  });

  it("refuses numbers that are not statuses, naming them", () => {
    for (const [value, named] of [
      [256, "256"],
      [-1, "-1"],
      [1.5, "1.5"],
    ] as const) {
      const outcome = exitOutcomeOf(value);
      assert.equal(outcome.status, 1);
      assert.equal(outcome.error, `main resolved to ${named}, not an exit status (an integer in 0–255)`);
      assert.equal("value" in outcome, false);
    }
  });

  it("refuses values that cannot be cloned, and values over domainResultBytesMax", () => {
    const fn = exitOutcomeOf(() => 1);
    assert.equal(fn.status, 1);
    assert.match(
      fn.error,
      /^main resolved to a value of type function that cannot be handed back \(not structured-cloneable: .*could not be cloned/,
    );
    assert.match(exitOutcomeOf({ s: Symbol("s") }).error, /not structured-cloneable/);
    const big = exitOutcomeOf("x".repeat(domainResultBytesMax));
    assert.equal(big.status, 1);
    assert.match(
      big.error,
      new RegExp(`of \\d+ bytes encoded, over the ${domainResultBytesMax} a result may take`),
    );
  });
});
