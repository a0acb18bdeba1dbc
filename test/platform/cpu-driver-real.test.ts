// Tests of the CPU driver's policy on real cores, through the counters each core reports when it
// stops (no timing): a core whose domain has calls in flight does not sleep until their replies,
// while the serving core, holding each call on a timer with nothing in flight, does sleep; with
// more cores than CPUs every call still completes; a bad polling policy is refused before any
// thread starts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { boot } from "../../src/index.js";
import { countHandles, handlesAddedSince, settle } from "./handles.js";

/** Bound on one test: boot, one domain, shutdown. */
const testTimeoutMs = 90_000;
/** In-flight window for the first test: long enough that no stall of a loaded CI machine ends it. */
const inFlightPollTestNs = 60e9;
/** Cores of the oversubscribed system: more than a 2-CPU machine has. */
const manyCores = 4;
const program = fileURLToPath(new URL("./domains/calls-in-flight.js", import.meta.url));

interface Sleeps {
  readonly sleeps: number;
  readonly withCallsInFlight: number;
}

/** Boots, runs the program on every core, shuts down; returns each core's sleep counters. */
async function runAndCount(cores: number, pollPolicy = {}): Promise<Map<number, Sleeps>> {
  const before = countHandles();
  const system = await boot({ cores, measureLatency: false, pollPolicy });
  try {
    const result = await system.run(program, system.coreIds);
    assert.equal(result.status, 0, JSON.stringify(result.exits));
  } finally {
    await system.shutdown();
  }
  await settle();
  assert.deepEqual(handlesAddedSince(before), [], "shutdown left nothing behind");
  const counts = new Map<number, Sleeps>();
  for (const report of system.stopReports)
    counts.set(report.core, { sleeps: report.sleeps, withCallsInFlight: report.sleepsWithCallsInFlight });
  assert.equal(
    counts.size,
    cores,
    `every core reported its counters:\n${system.bootLog.map((e) => e.step).join("\n")}`,
  );
  return counts;
}

describe("cpu driver on real cores", () => {
  it("a core with calls in flight keeps polling; the idle server sleeps", {
    timeout: testTimeoutMs,
  }, async () => {
    const counts = await runAndCount(2, { inFlightPollNs: inFlightPollTestNs });
    assert.equal(counts.get(1)!.withCallsInFlight, 0, "the calling core slept with calls in flight");
    assert.ok(
      counts.get(0)!.sleeps > 0,
      "the serving core, waiting on timers with nothing in flight, never slept",
    );
  });

  it(`every call completes with ${manyCores} cores on fewer CPUs`, { timeout: testTimeoutMs }, async () => {
    const counts = await runAndCount(manyCores);
    for (let core = 0; core < manyCores; core++) assert.ok(counts.has(core));
  });

  it("refuses a bad polling policy before any thread starts, naming it", async () => {
    const before = countHandles();
    await assert.rejects(boot({ cores: 2, pollPolicy: { idlePollNs: -5 } }), /policy idlePollNs = -5/);
    await settle();
    assert.deepEqual(handlesAddedSince(before), []);
  });
});
