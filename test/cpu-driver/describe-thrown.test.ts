// Tests of describeThrown: the text of any thrown value, computed without ever throwing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeThrown, thrownError } from "../../src/cpu-driver/describe-thrown.js";

describe("describeThrown", () => {
  it("gives an Error's message and a primitive's text", () => {
    assert.equal(describeThrown(new RangeError("out of range")), "out of range");
    assert.equal(describeThrown("plain text"), "plain text");
    assert.equal(describeThrown(42), "42");
    assert.equal(describeThrown(10n), "10");
    assert.equal(describeThrown(undefined), "undefined");
    assert.equal(describeThrown(null), "null");
    assert.equal(describeThrown(Symbol("tag")), "a thrown symbol (tag)");
    assert.equal(
      describeThrown(function named() {}),
      "a thrown function named",
    );
    assert.equal(describeThrown({ toString: () => "custom" }), "custom");
  });

  it("never throws: hostile toString, message getters, toPrimitive, revoked proxies", () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const message = new Error("x");
    Object.defineProperty(message, "message", {
      get() {
        throw new Error("no");
      },
    });
    const cases: ReadonlyArray<readonly [unknown, string]> = [
      [
        {
          toString: () => {
            throw new Error("no");
          },
        },
        "an object whose description threw",
      ],
      [
        {
          [Symbol.toPrimitive]: () => {
            throw new Error("no");
          },
        },
        "an object whose description threw",
      ],
      [Object.create(null), "an object whose description threw"],
      [revoked.proxy, "an object whose description threw"],
      [message, "an Error whose message threw"],
      [{ toString: () => ({}) }, "an object whose description threw"],
    ];
    for (const [value, text] of cases) assert.equal(describeThrown(value), text);
  });

  it("thrownError keeps an Error and wraps anything else", () => {
    const error = new Error("kept");
    assert.equal(thrownError(error), error);
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    assert.equal(thrownError(revoked.proxy).message, "an object whose description threw");
    assert.equal(thrownError("text").message, "text");
  });
});
