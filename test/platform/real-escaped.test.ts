// Failures that escape every domain's handling, on the real platform (src/platform/real/
// escaped-failures.ts): a promise left rejected with no handler, and a throw from a host timer.
// Either one used to end the core's worker; now it is reported as the failure of the domain whose
// main runs on the core (its exit: status 1, the failure described), and the core goes on: a later
// run on it passes. The domains live in ./domains.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { domain, exitOf, useBootedSystem } from "./booted-system.js";
import { crashText } from "./domains/crashes-core.js";
import { rejectionText } from "./domains/leaves-rejection.js";
import { timerText } from "./domains/throws-from-timer.js";

/** Bound on one test: a domain or two on a booted system. */
const domainTestTimeoutMs = 60_000;
/** Bound on one domain's run. */
const runTimeoutMs = 30_000;

describe("real platform: failures that escape a domain are its own, and the core goes on", () => {
  const booted = useBootedSystem();
  const { lines } = booted;

  const cases: ReadonlyArray<readonly [string, RegExp]> = [
    ["leaves-rejection", new RegExp(`an unhandled rejection: ${rejectionText}`)],
    ["throws-from-timer", new RegExp(`an uncaught exception: ${timerText}`)],
    // Once fatal to its core (a throw from a timer of its own, while main sleeps).
    ["crashes-core", new RegExp(`an uncaught exception: ${crashText}`)],
  ];
  for (const [program, expected] of cases) {
    it(`${program}: the domain fails naming what escaped; a later run on the core passes`, {
      timeout: domainTestTimeoutMs,
    }, async () => {
      const result = await booted.system.run(domain(program), [0, 1], runTimeoutMs);
      assert.equal(result.status, 1, JSON.stringify(result));
      assert.equal(exitOf(result, 0).status, 0);
      assert.equal(exitOf(result, 1).status, 1);
      assert.match(exitOf(result, 1).error, expected);
      assert.ok(
        lines.some((line) => /\(the core goes on\)/.test(line)),
        "the core reported it",
      );
      const later = await booted.system.run(domain("exit-status"), [0, 1], runTimeoutMs);
      assert.equal(later.status, 3, "the core still runs domains");
    });
  }

  it("a rejection with a hostile toString is described safely", { timeout: domainTestTimeoutMs }, () => {
    assert.ok(
      lines.some((line) => /an unhandled rejection: an object whose description threw/.test(line)),
      lines.join("\n"),
    );
  });
});
