// Tests of failure handling on the real platform (issue 11): a run bounded by `runTimeoutMs` (and by
// `run --timeout`) ends with an error naming the domain and the cores still running, and the system
// goes on; a domain that busy-loops on its core is detected by the other cores' heartbeat failure
// detectors, `run` ends naming that core, and shutdown still ends its worker; a core busy for a
// while, but well below the detection time, is not declared failed. Every wait is bounded: by the
// run's own bound, by each test's timeout and by the CLI's kill timer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { boot, limits, type Multikernel } from "../../src/index.js";
import { defaultHeartbeatMisses } from "../../src/platform/real/boot.js";
import { cliTimeoutMs, runCli } from "./cli-process.js";
import { countHandles, handlesAddedSince, settle } from "./handles.js";

/** Bound on one test: a boot, a run or two, a shutdown. */
const failureTestTimeoutMs = 60_000;
/** A run's bound in the timeout tests: short, since the domain never ends. */
const runBoundMs = 1_000;
/** Heartbeat settings of the busy-loop test: a busy core is declared failed after about 1 s. */
const shortHeartbeatIntervalMs = 100;
const shortHeartbeatMissesMax = 10;
/** Heartbeat settings of the busy-for test: a 5 s detection time, five times its busy period. */
const longHeartbeatIntervalMs = 250;
const longHeartbeatMissesMax = 20;
/** How long a test waits for a core's log line that follows a failure it already saw reported. */
const logWaitMs = 5_000;
/** How often it looks for that line. */
const logPollMs = 10;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function domain(name: string): string {
  return fileURLToPath(new URL(`./domains/${name}.js`, import.meta.url));
}

/** Shuts `system` down and checks that no worker, port or timer outlived it. */
async function shutDownClean(system: Multikernel, before: ReturnType<typeof countHandles>): Promise<void> {
  await system.shutdown();
  await settle();
  assert.deepEqual(handlesAddedSince(before), [], "handles left after shutdown");
}

describe("real platform: a run's bound", { timeout: failureTestTimeoutMs }, () => {
  it("ends a run past runTimeoutMs naming the domain and the cores still running; the system goes on", async () => {
    await settle();
    const before = countHandles();
    const system = await boot({ cores: 2, measureLatency: false, runTimeoutMs: runBoundMs });
    try {
      await assert.rejects(system.run(domain("never-returns"), [0, 1]), (error: Error) => {
        assert.match(error.message, /never-returns\.js/);
        assert.match(error.message, new RegExp(`did not finish within ${runBoundMs} ms`));
        assert.match(error.message, /main still running on core 1\)/);
        return true;
      });
      const result = await system.run(domain("exit-status"), [0, 1]);
      assert.equal(result.exits.length, 2);
    } finally {
      await shutDownClean(system, before);
    }
  });

  it("takes a bound per run, which overrides the boot's", async () => {
    await settle();
    const before = countHandles();
    const system = await boot({ cores: 2, measureLatency: false });
    try {
      await assert.rejects(
        system.run(domain("never-returns"), [0, 1], runBoundMs),
        /did not finish within 1000 ms \(id \d+, main still running on core 1\)/,
      );
    } finally {
      await shutDownClean(system, before);
    }
  });

  it("refuses a bound that is not a positive integer of ms", async () => {
    await assert.rejects(boot({ cores: 1, runTimeoutMs: 0 }), /runTimeoutMs must be an integer/);
    await assert.rejects(boot({ cores: 1, heartbeatIntervalMs: -1 }), /heartbeatIntervalMs must be/);
    await assert.rejects(boot({ cores: 1, heartbeatMissesMax: 1 }), /heartbeatMissesMax must be/);
  });

  it("run --timeout ends the command with an error naming the domain and the cores", () => {
    const result = runCli([
      "run",
      domain("never-returns"),
      "--core-list",
      "0-1",
      "--timeout",
      String(runBoundMs),
    ]);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /never-returns\.js/);
    assert.match(result.stderr, /did not finish within 1000 ms \(id \d+, main still running on core 1\)/);
  });

  it("run --timeout refuses what is not a positive integer (a usage error, status 2)", () => {
    for (const bad of ["0", "-5", "1.5", "soon"]) {
      const result = runCli(["run", domain("exit-status"), "--timeout", bad]);
      assert.equal(result.status, 2);
      assert.match(result.stderr, /--timeout/);
    }
  });
});

/** Two cores whose detectors use these heartbeat settings; their log lines kept. */
async function bootWithDetection(heartbeatIntervalMs: number, heartbeatMissesMax: number) {
  await settle();
  const before = countHandles();
  const lines: string[] = [];
  const system = await boot({
    cores: 2,
    measureLatency: false,
    heartbeatIntervalMs,
    heartbeatMissesMax,
    onLog: (line) => lines.push(line),
  });
  return { system, before, lines };
}

describe("real platform: the failure detector", { timeout: failureTestTimeoutMs }, () => {
  it("declares a busy-looping core failed; run ends naming it; shutdown ends its worker", async () => {
    const { system, before, lines } = await bootWithDetection(
      shortHeartbeatIntervalMs,
      shortHeartbeatMissesMax,
    );
    try {
      await assert.rejects(system.run(domain("busy-loops"), [1]), (error: Error) => {
        assert.match(error.message, /busy-loops\.js/);
        assert.match(error.message, /core 1 failed: no news for \d+ ms \(declared by core 0/);
        return true;
      });
      await assert.rejects(system.run(domain("exit-status"), [0]), /core 1 failed/);
    } finally {
      await shutDownClean(system, before);
    }
    assert.ok(
      lines.some((line) => /core 1 declared failed by core 0/.test(line)),
      `no line reports the failure in:\n${lines.join("\n")}`,
    );
  });

  it("rejects a call in flight to the failed core, naming it, with no call timeout", async () => {
    const { system, before, lines } = await bootWithDetection(
      shortHeartbeatIntervalMs,
      shortHeartbeatMissesMax,
    );
    try {
      await assert.rejects(system.run(domain("calls-failed-core"), [0, 1]), /core 1 failed/);
      // The client's core logs how its call ended right after it reported the failure.
      const deadline = Date.now() + logWaitMs;
      while (!lines.some((line) => line.includes("call ")) && Date.now() < deadline) await pause(logPollMs);
    } finally {
      await shutDownClean(system, before);
    }
    const ended = lines.find((line) => line.includes("call "));
    assert.match(ended ?? `no line in:\n${lines.join("\n")}`, /call rejected: .*core 1.*failed/);
  });

  it("does not declare failed a core busy for well below the detection time", async () => {
    const { system, before, lines } = await bootWithDetection(
      longHeartbeatIntervalMs,
      longHeartbeatMissesMax,
    );
    try {
      const result = await system.run(domain("busy-for"), [1]);
      assert.deepEqual(result.exits, [{ core: 1, status: 0, error: "" }]);
      const again = await system.run(domain("exit-status"), [0, 1]);
      assert.equal(again.exits.length, 2);
    } finally {
      await shutDownClean(system, before);
    }
    assert.ok(!lines.some((line) => /failed/.test(line)), `a failure was reported:\n${lines.join("\n")}`);
  });

  it("run ends naming a busy-looping core, and the command exits", () => {
    // Default detection (seconds) and a longer bound: whichever ends the run, it names core 1, and
    // the process ends (runCli throws if it had to be killed at cliTimeoutMs).
    const result = runCli([
      "run",
      domain("busy-loops"),
      "--core-list",
      "1",
      "--timeout",
      String(cliTimeoutMs / 3),
    ]);
    assert.equal(result.status, 1, result.stderr);
    assert.match(result.stderr, /busy-loops\.js/);
    assert.match(result.stderr, /core 1 failed|main still running on core 1\b/);
  });
});

describe("real platform: the detection time scales with the cores sharing each CPU", () => {
  it("gives realHeartbeatMissesMax per core sharing a CPU, bounded by half a run's default bound", () => {
    const { realHeartbeatMissesMax, realHeartbeatIntervalMs, domainRunTimeoutMs } = limits;
    assert.equal(defaultHeartbeatMisses(2, 2), realHeartbeatMissesMax);
    assert.equal(defaultHeartbeatMisses(1, 16), realHeartbeatMissesMax);
    assert.equal(defaultHeartbeatMisses(4, 2), 2 * realHeartbeatMissesMax);
    assert.equal(defaultHeartbeatMisses(5, 2), 3 * realHeartbeatMissesMax);
    const bound = Math.floor(domainRunTimeoutMs / 2 / realHeartbeatIntervalMs);
    assert.equal(defaultHeartbeatMisses(1024, 2), bound);
    assert.ok(bound * realHeartbeatIntervalMs < domainRunTimeoutMs);
  });
});
