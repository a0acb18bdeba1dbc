// How a benchmark reports: a table for people, and one JSON object for machines.
//
// `printResult` writes a cli-table3 table of labelled rows, then — with `--json` — the result object
// as a single line, and it is always the very last line written to standard output, so that a
// script can take `stdout.trim().split("\n").at(-1)` and parse it. Progress and warnings belong on
// standard error (see `progress`), never after the JSON line.
import Table from "cli-table3";

/** One row of the human table: what was measured, its value, and an optional note. */
export interface ReportRow {
  label: string;
  value: string;
  note?: string;
}

/** Anything with a `write(string)`, so that tests can capture what would go to stdout. */
export interface TextSink {
  write(text: string): unknown;
}

/** Formats a duration in nanoseconds for people: "98 ns", "11.4 µs", "3.20 ms"; "n/a" for null. */
export function formatNs(ns: number | null): string {
  if (ns === null) return "n/a";
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(1)} µs`;
  return `${(ns / 1_000_000).toFixed(2)} ms`;
}

/** Formats a rate in events per second: "4.21 M/s", "812 k/s". */
export function formatRate(perSec: number | null): string {
  if (perSec === null) return "n/a";
  if (perSec >= 1_000_000) return `${(perSec / 1_000_000).toFixed(2)} M/s`;
  if (perSec >= 1_000) return `${(perSec / 1_000).toFixed(0)} k/s`;
  return `${perSec.toFixed(0)} /s`;
}

/** Formats a ratio: "1.8×"; "n/a" for null. */
export function formatRatio(ratio: number | null): string {
  return ratio === null ? "n/a" : `${ratio.toFixed(ratio < 10 ? 2 : 0)}×`;
}

/** Renders the rows as a table (no colours, so that logs and pipes stay readable). */
export function renderTable(title: string, rows: readonly ReportRow[]): string {
  const table = new Table({ head: [title, "value", "note"], style: { head: [], border: [] } });
  for (const row of rows) table.push([row.label, row.value, row.note ?? ""]);
  return table.toString();
}

/** Prints the table, then, when `asJson`, the object alone on the last line. */
export function printResult(
  title: string,
  rows: readonly ReportRow[],
  json: object,
  asJson: boolean,
  out: TextSink = process.stdout,
): void {
  out.write(`${renderTable(title, rows)}\n`);
  if (asJson) out.write(`${jsonLine(json)}\n`);
}

/** The object as one line of JSON; throws if it cannot be one (a cycle, a BigInt, undefined). */
export function jsonLine(json: object): string {
  const line = JSON.stringify(json);
  if (typeof line !== "string") throw new Error("jsonLine: value has no JSON form");
  return line; // JSON.stringify without indentation escapes every newline inside strings.
}

/** A progress note for people, on standard error so that standard output stays parseable. */
export function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}
