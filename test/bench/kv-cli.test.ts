// Smoke tests of `multikernel bench kv` as a user runs it (a child process, bounded): a tiny run on
// two cores prints the table and, with --json, one object of finite figures on standard output, every
// get of all three runs checked; bad option values are refused naming the option. No timing is
// asserted.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runCli } from "../platform/cli-process.js";

/** Bound on one test: a boot, a tiny domain, two worker baselines. */
const smokeTestTimeoutMs = 60_000;

describe("multikernel bench kv", () => {
  it("runs a tiny workload on two cores and ends with finite figures", {
    timeout: smokeTestTimeoutMs,
  }, () => {
    const r = runCli(["bench", "kv", "--cores", "2", "--ops", "300", "--window", "32", "--json"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /multikernel \/ postMessage/, "the table is on standard error");
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(report.benchmark, "kv");
    assert.equal(report.cores, 2);
    assert.equal(report.opsPerClient, 300);
    assert.equal(report.window, 32);
    for (const key of [
      "kvOpsPerSec",
      "kvMeanOpNs",
      "kvP50OpNs",
      "kvP99OpNs",
      "postMessageKvOpsPerSec",
      "singleThreadKvOpsPerSec",
      "kvVsPostMessage",
    ]) {
      const value = report[key];
      assert.ok(
        typeof value === "number" && Number.isFinite(value) && value > 0,
        `${key} is ${String(value)}`,
      );
    }
    for (const key of ["kvGetsChecked", "postMessageKvGetsChecked", "singleThreadKvGetsChecked"])
      assert.ok((report[key] as number) > 0, `${key} is ${String(report[key])}`);
    // The three runs are the same workload, so they check the same gets.
    assert.equal(report.kvGetsChecked, report.postMessageKvGetsChecked);
    assert.equal(report.kvGetsChecked, report.singleThreadKvGetsChecked);
  });

  for (const [option, value] of [
    ["--window", "0"],
    ["--window", "100000"],
    ["--ops", "-1"],
    ["--cores", "0"],
  ] as const) {
    it(`refuses ${option} ${value}, naming ${option}`, () => {
      const r = runCli(["bench", "kv", option, value]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, new RegExp(option));
      assert.equal(r.stdout, "");
    });
  }
});
