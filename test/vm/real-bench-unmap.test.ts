// The commands of the shootdown case study on real cores, as child processes: `bench shootdown
// --real --core-counts 2 --json` and `bench unmap --cores 2 --json` print a table on standard error
// and, alone on standard output, the JSON a tool reads: every protocol at 2 cores with a positive latency,
// and its median, p99 and slowest in order (no timing asserted).
// Few repetitions (TLB_REPS, TLB_WARMUP) keep each run short; the run is bounded by cliTimeoutMs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { cliPath, cliTimeoutMs } from "../platform/cli-process.js";

const protocols = ["broadcast", "unicast", "multicast", "numa-multicast", "shared-memory"];

function runQuick(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    encoding: "utf8",
    timeout: cliTimeoutMs,
    killSignal: "SIGKILL",
    env: { ...process.env, TLB_REPS: "5", TLB_WARMUP: "2" },
  });
  if (result.error !== undefined) throw result.error;
  assert.equal(result.signal, null, `killed: ${result.stderr}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Point {
  protocol: string;
  cores: number;
  latencyNs: number;
}

function parseFigure(stdout: string): { machine: string; results: Point[] } {
  return JSON.parse(stdout);
}

describe("bench shootdown --real and bench unmap (child processes)", () => {
  it("bench shootdown --real --core-counts 2 --json: every protocol, host", {
    timeout: cliTimeoutMs + 5_000,
  }, () => {
    const result = runQuick(["bench", "shootdown", "--real", "--core-counts", "2", "--json"]);
    assert.equal(result.status, 0, result.stderr);
    const figure = parseFigure(result.stdout);
    assert.equal(figure.machine, "host");
    assert.deepEqual(
      figure.results.map((r) => [r.protocol, r.cores]),
      protocols.map((p) => [p, 2]),
    );
    for (const r of figure.results) assert.ok(r.latencyNs > 0);
    assert.match(result.stderr, /host: unmap, µs/);
  });

  it("bench unmap --cores 2 --json: each protocol against shared-memory", {
    timeout: cliTimeoutMs + 5_000,
  }, () => {
    const result = runQuick(["bench", "unmap", "--cores", "2", "--json"]);
    assert.equal(result.status, 0, result.stderr);
    const figure = parseFigure(result.stdout) as {
      machine: string;
      results: (Point & { vsSharedMemory: number; meanNs: number; p99Ns: number; maxNs: number })[];
    };
    assert.deepEqual(
      figure.results.map((r) => r.protocol),
      protocols,
    );
    assert.equal(figure.results.at(-1)!.vsSharedMemory, 1);
    // The slowest unmap is reported beside the p99, so that a mean above the p99 shows its cause.
    for (const r of figure.results)
      assert.ok(r.latencyNs <= r.p99Ns && r.p99Ns <= r.maxNs && r.meanNs <= r.maxNs, JSON.stringify(r));
    assert.match(result.stderr, /median \/ mean \/ p99 \/ max/);
  });

  it("bench unmap refuses one core with a clear usage error", { timeout: cliTimeoutMs + 5_000 }, () => {
    const result = runQuick(["bench", "unmap", "--cores", "1"]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--cores must be an integer in \[2, /);
  });
});
