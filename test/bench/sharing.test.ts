// Tests of the sharing benchmark (bench/sharing.ts) and `bench sharing`: tiny configurations only,
// and no assertion on which mode is faster (that is the measurement, not a property).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { measureSharing, simulateSharing } from "../../src/bench/sharing.js";

const mainPath = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const cliTimeoutMs = 60_000;
const runTimeoutMs = 30_000;

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [mainPath, ...args], { encoding: "utf8", timeout: cliTimeoutMs });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test("two threads, one line, a few updates: both modes give positive rates", async () => {
  const figure = await measureSharing({ cores: [2], lines: [1], updates: 500, timeoutMs: runTimeoutMs });
  assert.equal(figure.machine, "host");
  assert.deepEqual(
    figure.results.map((r) => [r.mode, r.cores, r.lines]),
    [
      ["shared", 2, 1],
      ["urpc", 2, 1],
    ],
  );
  for (const r of figure.results) {
    assert.ok(r.updatesPerSec > 0 && Number.isFinite(r.updatesPerSec), `${r.mode}: ${r.updatesPerSec}`);
    assert.ok(r.nsPerUpdate > 0 && Number.isFinite(r.nsPerUpdate), `${r.mode}: ${r.nsPerUpdate}`);
  }
});

test("one thread runs the shared mode only (urpc needs a client and a server)", async () => {
  const figure = await measureSharing({ cores: [1], lines: [2], updates: 100, timeoutMs: runTimeoutMs });
  assert.deepEqual(
    figure.results.map((r) => r.mode),
    ["shared"],
  );
});

test("the simulated experiment is deterministic and positive", () => {
  const options = { cores: [1, 2, 4, 16], lines: [1, 8], updates: 200 };
  const a = simulateSharing("amd-4x4", options);
  const b = simulateSharing("amd-4x4", options);
  assert.deepEqual(a, b);
  assert.equal(a.machine, "amd-4x4");
  assert.equal(a.results.length, 4 * 2 + 3 * 2);
  for (const r of a.results) assert.ok(r.updatesPerSec > 0 && r.nsPerUpdate > 0);
  assert.throws(() => simulateSharing("amd-4x4", { cores: [17], lines: [1], updates: 10 }), /16/);
});

test("bench sharing --json on a simulated machine prints one object", () => {
  const r = cli(
    "bench",
    "sharing",
    "--machine",
    "amd-4x4",
    "--cores",
    "3",
    "--lines",
    "1,2",
    "--updates",
    "50",
    "--json",
  );
  assert.equal(r.status, 0, r.stderr);
  const figure = JSON.parse(r.stdout) as {
    machine: string;
    results: { mode: string; cores: number; lines: number; updatesPerSec: number; nsPerUpdate: number }[];
  };
  assert.equal(figure.machine, "amd-4x4");
  assert.equal(figure.results.length, 3 * 2 + 2 * 2);
  for (const p of figure.results) {
    assert.deepEqual(Object.keys(p).sort(), ["cores", "lines", "mode", "nsPerUpdate", "updatesPerSec"]);
  }
});

test("bench sharing --json on the host, tiny", () => {
  const r = cli("bench", "sharing", "--cores", "2", "--lines", "1", "--updates", "200", "--json");
  assert.equal(r.status, 0, r.stderr);
  const figure = JSON.parse(r.stdout) as {
    machine: string;
    results: unknown[];
  };
  assert.equal(figure.machine, "host");
  assert.equal(figure.results.length, 3);
});

for (const [option, value] of [
  ["--lines", "3"],
  ["--cores", "0"],
  ["--updates", "-1"],
] as const) {
  test(`bench sharing ${option} ${value} is refused`, () => {
    const r = cli("bench", "sharing", "--machine", "amd-4x4", option, value);
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(option));
  });
}

test("bench sharing --cores above a simulated machine's is refused", () => {
  const r = cli("bench", "sharing", "--machine", "amd-4x4", "--cores", "17");
  assert.equal(r.status, 2);
  assert.match(r.stderr, /only 16 cores/);
});
