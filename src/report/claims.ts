// The paper's claims, each with a verdict computed from the figures of the same report: reproduced
// or not, and why, in numbers. Nothing here is written by hand about the outcome; a claim is a
// function of the figures, and its reason quotes the figures it compared.
//
// How the paper's words become tests (the numbers are in paper.ts):
//   "under N"            the figure is below N;
//   "about N", "almost N" the figure is within aboutFraction of N (either side);
//   "several thousand"   at least paperShootdown.extraCyclesAtTwoCoresMin;
//   "from a handful on"  from some count up to paperShootdown.crossoverCoresMax to the largest;
//   "the slowest"        no protocol slower by more than tieFraction (a closer one is a tie);
//   "by a clear margin"  ahead of the rival by at least clearMarginFraction at every count;
//   "grows with"         strictly larger at each step of the series;
//   Table 2 rows         within tableFraction of the paper's value.
import type { SharingFigure } from "../bench/sharing.js";
import type { ShootdownFigure, ShootdownPoint } from "../bench/shootdown-sim.js";
import type { UrpcTableFigure } from "./collect.js";
import { paperSharing, paperShootdown } from "./paper.js";

/** "about N" and "almost N": within this fraction of N. */
export const aboutFraction = 0.3;
/** Latencies closer than this fraction are a tie. */
export const tieFraction = 0.01;
/** "By a clear margin": at least this fraction faster than the rival. */
export const clearMarginFraction = 0.05;
/** A simulated Table 2 row agrees with the paper within this fraction. */
export const tableFraction = 0.1;

export type VerdictStatus = "reproduced" | "not reproduced" | "not measured";

export interface Verdict {
  readonly status: VerdictStatus;
  /** Why, from the figures. */
  readonly reason: string;
}

function verdict(holds: boolean, reason: string): Verdict {
  return { status: holds ? "reproduced" : "not reproduced", reason };
}

const notMeasured = (what: string): Verdict => ({
  status: "not measured",
  reason: `${what} was not measured`,
});

function count(value: number): string {
  return Math.round(value).toLocaleString("en");
}

function within(value: number, target: number, fraction: number): boolean {
  return Math.abs(value - target) <= fraction * target;
}

// ---- Table 2 ---------------------------------------------------------------------------------------

/** Every row of one machine's simulated Table 2 within tableFraction of the paper's values. */
export function urpcTableVerdict(table: UrpcTableFigure): Verdict {
  const off: string[] = [];
  let compared = 0;
  for (const row of table.rows) {
    const pairs: [string, number, number | null][] = [
      ["latency", row.latencyCycles, row.paperLatencyCycles],
      ["throughput", row.msgsPerKcycle, row.paperMsgsPerKcycle],
    ];
    for (const [what, value, paper] of pairs) {
      if (paper === null) continue;
      compared++;
      if (!within(value, paper, tableFraction))
        off.push(`${row.path} ${what} ${value.toFixed(1)} against ${paper}`);
    }
  }
  if (compared === 0) return notMeasured(`a row of the paper's Table 2 on ${table.machine}`);
  return off.length === 0
    ? verdict(true, `all ${compared} values within ${tableFraction * 100} % of the paper's`)
    : verdict(false, `off by more than ${tableFraction * 100} %: ${off.join("; ")}`);
}

// ---- Sharing ---------------------------------------------------------------------------------------

/**
 * The claims of "sharing is expensive", with the machine's clock: three on one cache line, and the
 * cost growing with the lines an update touches (16 sharing threads).
 */
export function sharingVerdicts(figure: SharingFigure, clockGHz: number | null): Verdict[] {
  const at = (mode: string, cores: number) =>
    figure.results.find((r) => r.mode === mode && r.cores === cores && r.lines === 1);
  const one = at("shared", 1);
  const shared16 = at("shared", 16);
  const urpc16 = at("urpc", 16);
  const cycles = (ns: number) => ns * (clockGHz ?? Number.NaN);
  const local =
    one === undefined || clockGHz === null
      ? notMeasured("one core's update")
      : verdict(
          cycles(one.nsPerUpdate) < paperSharing.localUpdateCyclesMax,
          `${count(cycles(one.nsPerUpdate))} cycles per update, against under ${paperSharing.localUpdateCyclesMax}`,
        );
  const contended =
    one === undefined || shared16 === undefined || clockGHz === null
      ? notMeasured("16 cores sharing one line")
      : contendedVerdict(cycles(shared16.nsPerUpdate) - cycles(one.nsPerUpdate));
  const ratio =
    shared16 === undefined || urpc16 === undefined
      ? notMeasured("the URPC server beside 16 sharing threads")
      : ratioVerdict(urpc16.updatesPerSec / shared16.updatesPerSec);
  return [local, contended, ratio, linesVerdict(figure)];
}

function linesVerdict(figure: SharingFigure): Verdict {
  const points = paperSharing.linesPlotted
    .map((lines) => figure.results.find((r) => r.mode === "shared" && r.cores === 16 && r.lines === lines))
    .filter((r) => r !== undefined);
  if (points.length < 2) return notMeasured("16 sharing threads at two or more numbers of lines");
  const growing = points.every((p, i) => i === 0 || p.nsPerUpdate > points[i - 1]!.nsPerUpdate);
  const series = points.map((p) => `${p.lines}: ${count(p.nsPerUpdate)} ns`).join(", ");
  return verdict(growing, `per update at 16 threads, by lines: ${series}${growing ? "" : " (not growing)"}`);
}

function contendedVerdict(extraCycles: number): Verdict {
  const target = paperSharing.contendedUpdateCycles16;
  return verdict(
    within(extraCycles, target, aboutFraction),
    `${count(extraCycles)} extra cycles per update, against almost ${count(target)} (within ${aboutFraction * 100} % counts)`,
  );
}

function ratioVerdict(ratio: number): Verdict {
  const target = paperSharing.serverOverSharedRatio16;
  return verdict(
    within(ratio, target, aboutFraction),
    `${ratio.toFixed(2)}× the updates, against about ${target}× (within ${aboutFraction * 100} % counts)`,
  );
}

// ---- TLB shootdown ---------------------------------------------------------------------------------

/** Each core count's latencies by protocol, counts ascending. */
function byCores(figure: ShootdownFigure): [number, Map<string, number>][] {
  const table = new Map<number, Map<string, number>>();
  for (const p of figure.results as readonly ShootdownPoint[]) {
    const row = table.get(p.cores) ?? new Map<string, number>();
    row.set(p.protocol, p.latencyCycles);
    table.set(p.cores, row);
  }
  return [...table.entries()].sort((a, b) => a[0] - b[0]);
}

/** The fastest message protocol of a row (not the baseline), or undefined. */
function fastestMessage(row: Map<string, number>): [string, number] | undefined {
  const entries = [...row.entries()].filter(([p]) => p !== paperShootdown.baselineProtocol);
  return entries.sort((a, b) => a[1] - b[1])[0];
}

/** The three findings of §5 on one simulated machine, in paperShootdownFindings' order. */
export function shootdownVerdicts(figure: ShootdownFigure): Verdict[] {
  const rows = byCores(figure).filter(([, row]) => row.has(paperShootdown.baselineProtocol) && row.size > 1);
  if (rows.length === 0) return [0, 1, 2, 3].map(() => notMeasured("a shootdown with the baseline"));
  return [
    twoCoresVerdict(rows[0]!),
    crossoverVerdict(rows),
    rankingVerdict(rows[rows.length - 1]!),
    numaVerdict(rows),
  ];
}

function numaVerdict(rows: readonly [number, Map<string, number>][]): Verdict {
  const { numaProtocol, numaRivalProtocol, numaFromCores } = paperShootdown;
  const compared = rows.filter(
    ([cores, row]) => cores >= numaFromCores && row.has(numaProtocol) && row.has(numaRivalProtocol),
  );
  if (compared.length === 0)
    return notMeasured(`${numaProtocol} beside ${numaRivalProtocol} from ${numaFromCores} cores`);
  const failures: string[] = [];
  const margins = compared.map(([cores, row]) => {
    const numa = row.get(numaProtocol)!;
    const margin = 1 - numa / row.get(numaRivalProtocol)!;
    const fastest = fastestMessage(row)!;
    if (fastest[0] !== numaProtocol && fastest[1] < numa)
      failures.push(`${fastest[0]} is faster at ${cores} cores`);
    if (margin < clearMarginFraction) failures.push(`${(margin * 100).toFixed(1)} % at ${cores} cores`);
    return `${cores}: ${(margin * 100).toFixed(1)} %`;
  });
  return verdict(
    failures.length === 0,
    `${numaProtocol} ahead of ${numaRivalProtocol} by ${margins.join(", ")} (a clear margin: at least ${clearMarginFraction * 100} %)${failures.length > 0 ? `; short: ${failures.join("; ")}` : ""}`,
  );
}

function twoCoresVerdict([cores, row]: [number, Map<string, number>]): Verdict {
  const baseline = row.get(paperShootdown.baselineProtocol)!;
  const [protocol, latency] = fastestMessage(row)!;
  const extra = latency - baseline;
  return verdict(
    extra >= paperShootdown.extraCyclesAtTwoCoresMin,
    `at ${cores} cores the fastest message protocol (${protocol}, ${count(latency)} cycles) costs ${count(extra)} cycles more than ${paperShootdown.baselineProtocol} (${count(baseline)}), against at least ${count(paperShootdown.extraCyclesAtTwoCoresMin)}`,
  );
}

function crossoverVerdict(rows: readonly [number, Map<string, number>][]): Verdict {
  const gap = ([, row]: [number, Map<string, number>]) =>
    row.get(paperShootdown.baselineProtocol)! - fastestMessage(row)![1];
  let from = rows.length;
  while (from > 0 && gap(rows[from - 1]!) > 0) from--;
  if (from === rows.length)
    return verdict(
      false,
      `the message protocols never win: at ${rows[rows.length - 1]![0]} cores they are slower`,
    );
  const first = rows[from]!;
  const last = rows[rows.length - 1]!;
  const growing = gap(last) > gap(first);
  return verdict(
    first[0] <= paperShootdown.crossoverCoresMax && growing,
    `they win from ${first[0]} cores on (a handful: at most ${paperShootdown.crossoverCoresMax}), by ${count(gap(first))} cycles there and ${count(gap(last))} at ${last[0]} cores${growing ? "" : " (not growing)"}`,
  );
}

/** ", X % above P": how far the slowest protocol's latency is above the next slowest's. */
function aheadOfNext(messages: readonly [string, number][], slowest: number): string {
  const next = messages.filter(([, l]) => l < slowest).sort((a, b) => b[1] - a[1])[0];
  if (next === undefined) return "";
  return `, ${((slowest / next[1] - 1) * 100).toFixed(1)} % above ${next[0]}`;
}

function rankingVerdict([cores, row]: [number, Map<string, number>]): Verdict {
  const messages = [...row.entries()].filter(([p]) => p !== paperShootdown.baselineProtocol);
  const slowest = Math.max(...messages.map(([, l]) => l));
  const slowOnes = messages.filter(([, l]) => l >= slowest * (1 - tieFraction)).map(([p]) => p);
  const [, bestLatency] = fastestMessage(row)!;
  const bestOnes = messages.filter(([, l]) => l <= bestLatency * (1 + tieFraction)).map(([p]) => p);
  const slowHolds = slowOnes.includes(paperShootdown.slowestProtocol);
  const bestHolds = bestOnes.some((p) => (paperShootdown.bestProtocols as readonly string[]).includes(p));
  const slowText = `slowest ${slowOnes.join(" and ")} (${count(slowest)} cycles${slowOnes.length > 1 ? `, a tie within ${tieFraction * 100} %` : aheadOfNext(messages, slowest)})`;
  return verdict(
    slowHolds && bestHolds,
    `at ${cores} cores: ${slowText}; fastest ${bestOnes.join(" and ")} (${count(bestLatency)} cycles)`,
  );
}
