// Tests of booting the real platform and shutting it down: on 2 cores, and on 4 cores over this
// machine's CPUs (more cores than CPUs where the machine has fewer than 4: slower, but it must boot
// and stop, never hang). After shutdown no worker, control port or timer of the system may be left.
// Timing is checked for shape only (positive, ordered), never for speed. The `boot` command is
// tested here too, as a child process.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { boot, type Multikernel } from "../../src/index.js";
import { cliTimeoutMs, runCli } from "./cli-process.js";
import { countHandles, handlesAddedSince, settle } from "./handles.js";

/** Bound on one test: a boot, the SKB's measurement and a shutdown, with the CPUs shared. */
const bootTestTimeoutMs = 60_000;
/** How long a domain runs before the system under it is shut down. */
const domainHeadStartMs = 200;
/** Core counts booted; 4 exceeds the CPUs of a small machine on purpose. */
const coreCounts: readonly number[] = [2, 4];

function checkBootShape(system: Multikernel, cores: number): void {
  assert.equal(system.cores, cores);
  assert.deepEqual(
    system.coreIds,
    Array.from({ length: cores }, (_, i) => i),
  );
  assert.ok(system.bootMs > 0, `bootMs is ${system.bootMs}`);
  assert.equal(system.pinned.length, cores);
  for (const pinned of system.pinned) assert.equal(typeof pinned, "boolean");
  assert.equal(system.latencyNs.length, cores);
  for (const [i, row] of system.latencyNs.entries()) {
    assert.equal(row.length, cores, `row ${i} of the latency matrix`);
    for (const [j, ns] of row.entries()) {
      if (i === j) assert.equal(ns, 0, `latencyNs[${i}][${i}]`);
      else assert.ok(Number.isFinite(ns) && ns > 0, `latencyNs[${i}][${j}] is ${ns}`);
    }
  }
  assert.ok(system.skb !== undefined, "the SKB is built at boot");
}

function checkBootLog(system: Multikernel, cores: number): void {
  const log = system.bootLog;
  assert.ok(log.length > 0);
  for (let i = 1; i < log.length; i++) {
    assert.ok(
      log[i]!.atMs >= log[i - 1]!.atMs,
      `boot log step ${i} ("${log[i]!.step}") is out of time order`,
    );
  }
  const steps = log.map((entry) => entry.step);
  for (let core = 0; core < cores; core++) {
    assert.ok(
      steps.some((step) => step.startsWith(`core ${core} up`)),
      `no "core ${core} up" step in ${steps.join(" | ")}`,
    );
  }
  const connected = steps.findIndex((step) => step.startsWith(`all ${cores} monitors connected`));
  const measured = steps.findIndex((step) => step.startsWith("SKB: measured"));
  assert.ok(connected >= 0, "the log says every monitor connected");
  assert.ok(measured > connected, "the SKB measures after every monitor is connected");
  const bootLogMs = log[connected]!.atMs;
  assert.ok(system.bootMs > 0 && system.bootMs <= bootLogMs + 1, "bootMs is the connected step's time");
}

describe("real platform: boot and clean shutdown", () => {
  for (const cores of coreCounts) {
    it(`boots ${cores} cores, measures the SKB, and shuts down leaving no handle behind`, {
      timeout: bootTestTimeoutMs,
    }, async () => {
      await settle();
      const before = countHandles();
      const lines: string[] = [];
      const system = await boot({ cores, onLog: (line) => lines.push(line) });
      try {
        checkBootShape(system, cores);
        checkBootLog(system, cores);
        assert.ok(handlesAddedSince(before).length > 0, "a booted system holds its workers' ports");
      } finally {
        await system.shutdown();
      }
      await settle();
      assert.deepEqual(handlesAddedSince(before), [], "handles left after shutdown");
      for (let core = 0; core < cores; core++) {
        assert.ok(
          system.bootLog.some((entry) => entry.step.startsWith(`core ${core} stopped`)),
          `core ${core} reported that it stopped`,
        );
      }
      assert.ok(!lines.some((line) => line.includes("shutdown timed out")), "every core stopped by itself");
      await system.shutdown();
    });
  }

  it("rejects a core count that cannot be booted, with a clear error", {
    timeout: bootTestTimeoutMs,
  }, async () => {
    const before = countHandles();
    for (const cores of [0, -1, 1.5, Number.NaN]) {
      await assert.rejects(boot({ cores }), /boot: cores must be an integer/);
    }
    await settle();
    assert.deepEqual(handlesAddedSince(before), []);
  });

  it("a domain still running at shutdown: its run rejects, and nothing is left behind", {
    timeout: bootTestTimeoutMs,
  }, async () => {
    await settle();
    const before = countHandles();
    const lines: string[] = [];
    const system = await boot({ cores: 2, measureLatency: false, onLog: (line) => lines.push(line) });
    const program = fileURLToPath(new URL("./domains/runs-on.js", import.meta.url));
    const running = system.run(program, [0, 1]);
    await new Promise((resolve) => setTimeout(resolve, domainHeadStartMs));
    await system.shutdown();
    await assert.rejects(running, /runs-on\.js: the system was shut down/);
    await settle();
    assert.deepEqual(handlesAddedSince(before), [], "handles left after shutdown");
    assert.ok(!lines.some((line) => line.includes("shutdown timed out")), "every core stopped by itself");
  });

  it("runs nothing once shut down", { timeout: bootTestTimeoutMs }, async () => {
    const system = await boot({ cores: 2, measureLatency: false });
    await system.shutdown();
    await assert.rejects(system.run("nothing.js"), /shut down/);
  });
});

describe("multikernel boot (the command)", () => {
  it("--json prints the booted system as JSON, alone on standard output", {
    timeout: cliTimeoutMs + bootTestTimeoutMs,
  }, () => {
    const result = runCli(["boot", "--cores", "2", "--json"]);
    assert.equal(result.status, 0, result.stderr);
    const json = JSON.parse(result.stdout) as {
      cores: number;
      bootMs: number;
      pinned: unknown[];
      latencyNs: number[][];
    };
    assert.equal(json.cores, 2);
    assert.ok(json.bootMs > 0);
    assert.equal(json.pinned.length, 2);
    for (const pinned of json.pinned) assert.equal(typeof pinned, "boolean");
    assert.equal(json.latencyNs.length, 2);
    assert.equal(json.latencyNs[0]![0], 0);
    assert.ok(json.latencyNs[0]![1]! > 0 && json.latencyNs[1]![0]! > 0);
    assert.match(result.stderr, /shut down cleanly/);
  });

  it("a bad --cores is a clear usage error, exit status 2", { timeout: cliTimeoutMs }, () => {
    for (const cores of ["0", "abc", "-2"]) {
      const result = runCli(["boot", "--cores", cores]);
      assert.equal(result.status, 2, `--cores ${cores}`);
      assert.match(result.stderr, /--cores must be an integer in \[1, \d+\]/);
    }
  });
});
