// Tests of the `multikernel` command as a user runs it: a child process, every run bounded.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const mainPath = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const cliTimeoutMs = 60_000;

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [mainPath, ...args], { encoding: "utf8", timeout: cliTimeoutMs });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

for (const bad of ["-5", "abc", "0", "1.5", "99999999999"]) {
  test(`--rounds ${bad} is refused with a message naming --rounds`, () => {
    const r = cli("bench", "urpc", "--rounds", bad);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--rounds/);
    assert.match(r.stderr, /must be an integer/);
    assert.equal(r.stdout, "");
  });
}

test("--cpus must be two CPUs that exist", () => {
  const r = cli("bench", "urpc", "--cpus", "0,100000");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--cpus/);
});

test("an unknown command is commander's error, a usage error: status 2", () => {
  const r = cli("no-such-command");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown command/);
  const s = cli("bench", "no-such-bench");
  assert.equal(s.status, 2);
  assert.match(s.stderr, /unknown command/);
});

test("bench urpc --json prints one object holding every figure, alone on standard output", () => {
  const r = cli("bench", "urpc", "--json", "--rounds", "200");
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const key of [
    "floorOneWayNs",
    "urpcOneWayNs",
    "urpcOneWayP99Ns",
    "urpcMsgsPerSec",
    "urpcCopyMsgsPerSec",
    "bareRingMsgsPerSec",
    "urpcVsBareRing",
    "urpcWakeOneWayNs",
    "postMessageOneWayNs",
    "messageChannelOneWayNs",
    "cpus",
    "node",
    "urpcVsFloor",
    "postMessageVsUrpc",
  ]) {
    assert.ok(key in report, `report has ${key}`);
  }
  assert.equal(report.rounds, 200);
  assert.equal(report.node, process.version);
  assert.equal(typeof report.postMessageOneWayNs, "number");
  assert.match(r.stderr, /postMessage/, "the table is on standard error");
});

test("bench boot --json times boots from the bundle and from the modules, in the same runs", () => {
  const r = cli("bench", "boot", "--cores", "2", "--runs", "1", "--json");
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(report.coreStart, "bundle");
  for (const key of ["bootMs", "modulesBootMs", "workerStartMs", "bootVsWorkerStart"])
    assert.ok(typeof report[key] === "number" && (report[key] as number) > 0, `${key}: ${report[key]}`);
  assert.deepEqual(
    [(report.samplesMs as unknown[]).length, (report.modulesSamplesMs as unknown[]).length],
    [1, 1],
  );
});
