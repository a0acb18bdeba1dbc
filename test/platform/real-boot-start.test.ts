// Tests of how the real platform starts its cores: every core's thread at once, and a core that
// fails to start. A parallel boot must be clean (every core up, every monitor connected), on 2
// cores and on 4 (more cores than CPUs on a small machine), from the core's bundle and from its
// modules. A core whose worker throws at start-up, or never reports up within its bound, must fail
// the boot with an error naming that core, and leave nothing behind: no worker, control port or
// timer. The failures are staged with boot's test-only `startFault` option. Nothing here checks
// speed.
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import { boot } from "../../src/index.js";
import { countHandles, handlesAddedSince, settle } from "./handles.js";

/** Bound on one test: a boot (or a failed one) and a shutdown, with the CPUs shared. */
const startTestTimeoutMs = 60_000;
/** The start bound given to a boot whose core hangs: short, so that the test does not wait long. */
const hangStartTimeoutMs = 1_500;

function stepsOf(lines: readonly string[]): string {
  return lines.join("\n");
}

describe("real platform: every core starts at once", () => {
  const starts = [
    { cores: 2, bundledCore: true, from: "from the core bundle" },
    { cores: 4, bundledCore: true, from: "from the core bundle" },
    { cores: 2, bundledCore: false, from: "from their modules (the boot's options ask for the modules)" },
  ];
  for (const { cores, bundledCore, from } of starts) {
    it(`boots ${cores} cores in parallel ${from}: every core up, every monitor connected`, {
      timeout: startTestTimeoutMs,
    }, async () => {
      await settle();
      const before = countHandles();
      const system = await boot({ cores, measureLatency: false, bundledCore });
      const steps = system.bootLog.map((entry) => entry.step);
      try {
        assert.ok(
          steps.some((step) => step === `start the threads of all ${cores} cores at once, ${from}`),
          stepsOf(steps),
        );
        for (let core = 0; core < cores; core++) {
          const up = steps.find((step) => step.startsWith(`core ${core} up`));
          assert.ok(up !== undefined, `no "core ${core} up" in\n${stepsOf(steps)}`);
          assert.match(
            up,
            /thread start [\d.]+ ms, modules [\d.]+ ms, pin wait [\d.-]+ ms, channels and monitor/,
          );
          assert.ok(
            steps.some((step) => step.startsWith(`core ${core}: monitor connected`)),
            `core ${core}'s monitor did not report connected in\n${stepsOf(steps)}`,
          );
        }
        const allConnected = steps.findIndex((step) => step.startsWith(`all ${cores} monitors connected`));
        assert.equal(allConnected, steps.length - 1, "boot ends when every monitor is connected");
      } finally {
        await system.shutdown();
      }
      await settle();
      assert.deepEqual(handlesAddedSince(before), [], "handles left after shutdown");
    });
  }
});

describe("real platform: a core that fails to start", () => {
  for (const core of [0, 1]) {
    it(`core ${core} throws at start-up: boot rejects naming it, nothing left behind`, {
      timeout: startTestTimeoutMs,
    }, async () => {
      await settle();
      const before = countHandles();
      const lines: string[] = [];
      await assert.rejects(
        boot({
          cores: 2,
          measureLatency: false,
          startFault: { core, kind: "throw" },
          onLog: (line) => lines.push(line),
        }),
        new RegExp(`^Error: core ${core} failed to start: core ${core}: start-up failure staged by a test`),
      );
      await settle();
      assert.deepEqual(handlesAddedSince(before), [], "handles left after a failed boot");
      assert.ok(
        lines.some((line) => line.startsWith(`[core ${core}] crashed`)),
        `the log says core ${core} crashed:\n${stepsOf(lines)}`,
      );
    });
  }

  it("a core that never reports up: boot rejects naming it within its bound, nothing left behind", {
    timeout: startTestTimeoutMs,
  }, async () => {
    await settle();
    const before = countHandles();
    await assert.rejects(
      boot({
        cores: 3,
        measureLatency: false,
        coreStartTimeoutMs: hangStartTimeoutMs,
        startFault: { core: 2, kind: "hang" },
      }),
      (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`^core 2 failed to start: not up within ${hangStartTimeoutMs} ms of its thread's start`),
        );
        // With more cores than CPUs the error names that likely cause; otherwise it does not.
        const crowded = /; 3 cores share \d+ CPUs: boot fewer cores, or allow each more time/;
        if (availableParallelism() < 3) assert.match(error.message, crowded);
        else assert.doesNotMatch(error.message, crowded);
        return true;
      },
    );
    await settle();
    assert.deepEqual(handlesAddedSince(before), [], "handles left after a failed boot");
  });
});
