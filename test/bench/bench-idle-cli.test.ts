// A smoke test of `multikernel bench idle` as a user runs it (a child process, bounded): it boots,
// measures, and prints its figures as one JSON object, alone on standard output. No threshold: the figure
// depends on the machine, and this machine's CPUs are shared.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const mainPath = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const cliTimeoutMs = 60_000;

test("bench idle --cores 2 --json prints one object holding idleCpuPercent", {
  timeout: cliTimeoutMs,
}, () => {
  const r = spawnSync(process.execPath, [mainPath, "bench", "idle", "--cores", "2", "--json"], {
    encoding: "utf8",
    timeout: cliTimeoutMs,
    killSignal: "SIGKILL",
  });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(report.benchmark, "idle");
  assert.equal(report.cores, 2);
  if (existsSync("/proc/thread-self/schedstat")) {
    assert.equal(typeof report.idleCpuPercent, "number");
    assert.ok(Number.isFinite(report.idleCpuPercent), `idleCpuPercent is ${report.idleCpuPercent}`);
    const perCore = report.perCoreCpuPercent as number[];
    assert.equal(perCore.length, 2);
    for (const percent of perCore) assert.ok(Number.isFinite(percent) && percent >= 0);
    assert.match(r.stderr, /core 1/, "the table (on standard error) gives each core's figure");
  } else {
    assert.equal(report.idleCpuPercent, null);
    assert.equal(typeof report.unavailable, "string");
  }
});

test("bench boot --json has workerStartMs beside bootMs", { timeout: cliTimeoutMs }, () => {
  const r = spawnSync(
    process.execPath,
    [mainPath, "bench", "boot", "--cores", "2", "--runs", "1", "--json"],
    {
      encoding: "utf8",
      timeout: cliTimeoutMs,
      killSignal: "SIGKILL",
    },
  );
  if (r.error) throw r.error;
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Record<string, number>;
  for (const key of ["bootMs", "workerStartMs", "bootVsWorkerStart"]) {
    assert.ok(Number.isFinite(report[key]) && report[key]! > 0, `${key} is ${report[key]}`);
  }
  assert.match(r.stderr, /workerStartMs/, "the table (on standard error) shows workerStartMs");
});
