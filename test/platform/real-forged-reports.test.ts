// A domain cannot forge its core's reports to the boot thread (src/platform/real/report-origin.ts):
// a domain that posts "domain-done" for every run id, "exited" and "peer-failed" on every channel
// it can reach (parentPort, workerData, the process's active handles) changes no run's exit status
// and fails no core; the boot thread logs what it ignored. The domain is ./domains/forges-reports.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { domain, useBootedSystem } from "./booted-system.js";
import { forgerStatus } from "./domains/forges-reports.js";

/** Bound on one test: a domain or two on a booted system. */
const domainTestTimeoutMs = 60_000;
/** Bound on one domain's run. */
const runTimeoutMs = 30_000;

describe("real platform: reports a domain forges are ignored", () => {
  const booted = useBootedSystem();
  const { lines } = booted;

  it("forged domain-done, exited and peer-failed change no run's status", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("forges-reports"), [0, 1], runTimeoutMs);
    assert.equal(result.status, forgerStatus, JSON.stringify(result));
    assert.deepEqual(
      result.exits.map((exit) => exit.status),
      [0, forgerStatus],
    );
    assert.ok(
      lines.some((line) => /posted \d+ forged reports on [2-9] routes/.test(line)),
      "the domain reached the active handles too",
    );
    assert.ok(lines.some((line) => /ignored a message posted on its worker's parentPort/.test(line)));
    assert.ok(lines.some((line) => /ignored a \S+ report on its control channel: not signed/.test(line)));
    assert.ok(!lines.some((line) => /declared failed/.test(line)), "no core was declared failed");
  });

  it("the system goes on: a later run reports its own status", { timeout: domainTestTimeoutMs }, async () => {
    const result = await booted.system.run(domain("exit-status"), [0, 1], runTimeoutMs);
    assert.equal(result.status, 3);
  });
});
