// Tests of bench/report.ts: printResult hands the table and the object to its sink, the object as
// one JSON line; where each goes (--json) is the CLI's rule, tested in test/cli/output.test.ts. A
// target's note says met or not met.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatNs, formatRate, printResult, targetNote } from "../../src/bench/report.js";
import { commandOutput } from "../../src/cli/output.js";

/** A command's two streams, captured, and the output of a command writing to them. */
function capture(asJson: boolean): {
  stdout: () => string;
  stderr: () => string;
  sink: ReturnType<typeof commandOutput>;
} {
  const buffers = { stdout: "", stderr: "" };
  const streams = {
    stdout: { write: (text: string) => (buffers.stdout += text) },
    stderr: { write: (text: string) => (buffers.stderr += text) },
  };
  return { stdout: () => buffers.stdout, stderr: () => buffers.stderr, sink: commandOutput(asJson, streams) };
}

const rows = [
  { label: "floor", value: "98 ns", note: "pinned" },
  { label: "with a\nnewline", value: "1 µs" },
];

test("with --json, standard output is exactly one JSON line; the table is on standard error", () => {
  const out = capture(true);
  const json = { a: 1, text: "two\nlines", nested: { b: null } };
  printResult("title", rows, json, out.sink);
  assert.deepEqual(JSON.parse(out.stdout()), json);
  assert.equal(out.stdout().split("\n").length, 2, "one line and its newline");
  assert.match(out.stderr(), /floor/);
  assert.match(out.stderr(), /98 ns/);
});

test("without --json, a table on standard output and no JSON", () => {
  const out = capture(false);
  printResult("title", rows, { a: 1 }, out.sink);
  assert.match(out.stdout(), /floor/);
  assert.match(out.stdout(), /98 ns/);
  assert.doesNotMatch(out.stdout(), /"a":1/);
  assert.equal(out.stderr(), "");
});

test("formatters", () => {
  assert.equal(formatNs(null), "n/a");
  assert.equal(formatNs(98.4), "98 ns");
  assert.equal(formatNs(11_400), "11.4 µs");
  assert.equal(formatNs(3_200_000), "3.20 ms");
  assert.equal(formatRate(4_210_000), "4.21 M/s");
});

test("a target's note says whether the ratio meets it, bounds included", () => {
  assert.equal(targetNote(3.99, { atMost: 4 }), "target ≤ 4×: met");
  assert.equal(targetNote(4, { atMost: 4 }), "target ≤ 4×: met");
  assert.equal(targetNote(4.01, { atMost: 4 }), "target ≤ 4×: not met");
  assert.equal(targetNote(10, { atLeast: 10 }), "target ≥ 10×: met");
  assert.equal(targetNote(6.3, { atLeast: 10 }), "target ≥ 10×: not met");
  assert.equal(targetNote(null, { atLeast: 0.3 }), "target ≥ 0.3×: n/a");
  assert.equal(targetNote(Number.NaN, { atMost: 4 }), "target ≤ 4×: n/a");
});
