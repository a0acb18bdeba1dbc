// How a benchmark reports: a table for people, and one JSON object for machines.
//
// `printResult` hands a cli-table3 table of labelled rows and the result object to a `ResultSink`,
// which decides where each goes: the command line's (src/cli/output.ts) puts the table on standard
// output, or with `--json` on standard error and the object alone on standard output, so that
// `… --json | jq .` reads it. Progress and warnings are always on standard error (see `progress`).
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

/** Where a result goes: `text` for the table, `json` for the object (src/cli/output.ts routes both). */
export interface ResultSink {
  text(text: string): void;
  json(value: object): void;
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

/** A target for a ratio: at most or at least a bound. */
export type RatioTarget = { readonly atMost: number } | { readonly atLeast: number };

/**
 * A table note stating a target and whether `ratio` meets it: "target ≤ 4×: met", "target ≥ 10×:
 * not met" ("n/a" when there is no ratio). The bench still exits 0: a missed target is a finding.
 */
export function targetNote(ratio: number | null, target: RatioTarget): string {
  const [sign, bound] = "atMost" in target ? ["≤", target.atMost] : ["≥", target.atLeast];
  if (ratio === null || !Number.isFinite(ratio)) return `target ${sign} ${bound}×: n/a`;
  const met = "atMost" in target ? ratio <= target.atMost : ratio >= target.atLeast;
  return `target ${sign} ${bound}×: ${met ? "met" : "not met"}`;
}

/** Renders the rows as a table (no colours, so that logs and pipes stay readable). */
export function renderTable(title: string, rows: readonly ReportRow[]): string {
  const table = new Table({ head: [title, "value", "note"], style: { head: [], border: [] } });
  for (const row of rows) table.push([row.label, row.value, row.note ?? ""]);
  return table.toString();
}

/** Hands the table and the result object to `out`, which routes them (see the file's comment). */
export function printResult(title: string, rows: readonly ReportRow[], json: object, out: ResultSink): void {
  out.text(renderTable(title, rows));
  out.json(json);
}

/** The object as one line of JSON; throws if it cannot be one (a cycle, a BigInt, undefined). */
export function jsonLine(json: object): string {
  const line = JSON.stringify(json);
  if (typeof line !== "string") throw new Error("jsonLine: value has no JSON form");
  return line; // JSON.stringify without indentation escapes every newline inside strings.
}

/** A progress note for people, always on standard error so that standard output stays parseable. */
export function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}
