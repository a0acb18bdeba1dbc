// Tests of tracing on real cores: `multikernel run --trace FILE` on 2 cores writes a Chrome Trace
// Event document that parses, with one track (a thread_name record) per core and handler slices
// on each core's track. Only the structure is checked, not the flow ids' format or any timing.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { cliTimeoutMs, runCli } from "./cli-process.js";

/** Cores of the traced run. */
const tracedCores = [0, 1] as const;

interface TraceEvent {
  readonly name: string;
  readonly ph: string;
  readonly pid: number;
  readonly tid: number;
  readonly ts?: number;
  readonly dur?: number;
  readonly args?: Record<string, unknown>;
}

/** Runs echo-calls with --trace and returns the trace's events. */
function tracedRun(): TraceEvent[] {
  const dir = mkdtempSync(join(tmpdir(), "mk-real-trace-"));
  try {
    const file = join(dir, "trace.json");
    const program = fileURLToPath(new URL("./domains/echo-calls.js", import.meta.url));
    const result = runCli(["run", program, "--core-list", tracedCores.join(","), "--trace", file]);
    assert.equal(result.status, 0, `run failed:\n${result.stdout}\n${result.stderr}`);
    const document = JSON.parse(readFileSync(file, "utf8")) as { traceEvents?: unknown };
    assert.ok(Array.isArray(document.traceEvents), "the document has a traceEvents array");
    return document.traceEvents as TraceEvent[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("real platform: the trace of a run", () => {
  it("run --trace writes a parseable trace: a track per core, slices on each", {
    timeout: cliTimeoutMs + 15_000,
  }, () => {
    const events = tracedRun();
    for (const event of events) {
      assert.equal(typeof event.ph, "string", `an event without a phase: ${JSON.stringify(event)}`);
      assert.equal(typeof event.tid, "number", `an event without a track: ${JSON.stringify(event)}`);
    }
    const tracks = events.filter((e) => e.ph === "M" && e.name === "thread_name");
    assert.deepEqual(
      tracks.map((e) => e.tid).sort((a, b) => a - b),
      [...tracedCores],
      "one track per core",
    );
    for (const track of tracks) assert.equal(track.args?.name, `core ${track.tid}`);
    const slices = events.filter((e) => e.ph === "X");
    for (const slice of slices) {
      assert.ok(Number.isFinite(slice.ts) && slice.ts! >= 0, `slice time ${slice.ts}`);
      assert.ok(Number.isFinite(slice.dur) && slice.dur! >= 0, `slice duration ${slice.dur}`);
    }
    for (const core of tracedCores) {
      assert.ok(
        slices.some((slice) => slice.tid === core),
        `no handler slice on core ${core}'s track`,
      );
    }
  });
});
