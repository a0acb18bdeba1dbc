// Tests of bench/report.ts: the JSON object is exactly one parseable line, and the last one.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatNs, formatRate, printResult } from "../../src/bench/report.js";

function capture(): { sink: { write(text: string): boolean }; text: () => string } {
  let buffer = "";
  return {
    sink: {
      write(text: string) {
        buffer += text;
        return true;
      },
    },
    text: () => buffer,
  };
}

const rows = [
  { label: "floor", value: "98 ns", note: "pinned" },
  { label: "with a\nnewline", value: "1 µs" },
];

test("with --json, exactly one JSON object, on the last line", () => {
  const out = capture();
  const json = { a: 1, text: "two\nlines", nested: { b: null } };
  printResult("title", rows, json, true, out.sink);
  const lines = out.text().trimEnd().split("\n");
  const last = lines.at(-1) ?? "";
  assert.deepEqual(JSON.parse(last), json);
  const parseable = lines.filter((line) => {
    try {
      JSON.parse(line);
      return true;
    } catch {
      return false;
    }
  });
  assert.deepEqual(parseable, [last], "no other line is JSON");
  assert.ok(out.text().endsWith("}\n"));
});

test("without --json, a table and no JSON", () => {
  const out = capture();
  printResult("title", rows, { a: 1 }, false, out.sink);
  assert.match(out.text(), /floor/);
  assert.match(out.text(), /98 ns/);
  assert.doesNotMatch(out.text(), /"a":1/);
});

test("formatters", () => {
  assert.equal(formatNs(null), "n/a");
  assert.equal(formatNs(98.4), "98 ns");
  assert.equal(formatNs(11_400), "11.4 µs");
  assert.equal(formatNs(3_200_000), "3.20 ms");
  assert.equal(formatRate(4_210_000), "4.21 M/s");
});
