// The report's charts as Vega-Lite specifications: plain JSON built from the collected figures.
//
// Each function takes figures and returns a complete spec with its data inline (no URL to load),
// which the page hands to vega-embed. The marks are the paper's: grouped bars for Table 2
// (simulated beside published), lines of updates per second against cores for "sharing is
// expensive" (one panel per number of cache lines), and lines of unmap latency against cores, one
// per protocol, for the shootdown figure. Colours, shapes, core axes and axis titles follow
// palette.ts, the same in every chart.
import type { SharingFigure } from "../bench/sharing.js";
import type { ShootdownFigure } from "../bench/shootdown-sim.js";
import type { HostUrpcFigures, UrpcTableFigure } from "./collect.js";
import { coresAxis, fieldTitle, linesWithPoints, seriesColor } from "./palette.js";

/** A Vega-Lite specification, as JSON. */
export type VegaLiteSpec = Readonly<Record<string, unknown>>;

const schema = "https://vega.github.io/schema/vega-lite/v5.json";
const panelWidth = 220;
const panelHeight = 200;
const chartWidth = 520;
const chartHeight = 300;
/** Width of one bar (one source of one path) in the Table 2 charts, in pixels. */
const tableBarStep = 18;

/** Host ping-pongs: one-way p50 and p99 per mechanism, as points on a log scale. */
export function urpcHostSpec(figures: HostUrpcFigures): VegaLiteSpec {
  const rows: { mechanism: string; percentile: string; ns: number }[] = [];
  const add = (mechanism: string, p50: number | null, p99: number | null): void => {
    if (p50 !== null && p50 > 0) rows.push({ mechanism, percentile: "p50", ns: p50 });
    if (p99 !== null && p99 > 0) rows.push({ mechanism, percentile: "p99", ns: p99 });
  };
  add("C cache-line floor", figures.floorOneWayNs, figures.floorOneWayP99Ns);
  add("URPC (polling)", figures.urpcOneWayNs, figures.urpcOneWayP99Ns);
  add("URPC wake-up", figures.urpcWakeOneWayNs, null);
  add("postMessage", figures.postMessageOneWayNs, figures.postMessageOneWayP99Ns);
  add("MessageChannel", figures.messageChannelOneWayNs, figures.messageChannelOneWayP99Ns);
  return {
    $schema: schema,
    title: "One-way latency on the host (ns, log scale)",
    width: chartWidth,
    data: { values: rows },
    // Points, not bars: a bar on a log scale has no zero to start from. p50 and p99 of one
    // mechanism share its row and colour; the shape tells them apart.
    mark: { type: "point", filled: true, size: 90, tooltip: true },
    encoding: {
      y: { field: "mechanism", type: "nominal", sort: null, title: "mechanism" },
      x: { field: "ns", type: "quantitative", scale: { type: "log" }, title: "one way (ns)" },
      color: seriesColor("mechanism", null, [...new Set(rows.map((r) => r.mechanism))]),
      shape: {
        field: "percentile",
        type: "nominal",
        title: "percentile",
        scale: { domain: ["p50", "p99"], range: ["circle", "triangle-up"] },
      },
    },
  };
}

/** Table 2: simulated beside the paper, a pair of bars per machine and path, for one metric. */
export function urpcTableSpec(
  tables: readonly UrpcTableFigure[],
  metric: "latencyCycles" | "msgsPerKcycle",
): VegaLiteSpec {
  const rows: { machine: string; path: string; pair: string; source: string; value: number }[] = [];
  for (const table of tables) {
    for (const row of table.rows) {
      const pair = `${table.machine} ${row.path}`;
      const simulated = metric === "latencyCycles" ? row.latencyCycles : row.msgsPerKcycle;
      const paper = metric === "latencyCycles" ? row.paperLatencyCycles : row.paperMsgsPerKcycle;
      rows.push({ machine: table.machine, path: row.path, pair, source: "simulated", value: simulated });
      if (paper !== null)
        rows.push({ machine: table.machine, path: row.path, pair, source: "paper", value: paper });
    }
  }
  const title = metric === "latencyCycles" ? "latency (cycles)" : "throughput (msgs/kcycle)";
  return {
    $schema: schema,
    title: `Table 2, ${title}: simulated beside the paper`,
    width: { step: tableBarStep },
    height: panelHeight,
    data: { values: rows },
    mark: { type: "bar", tooltip: true },
    encoding: {
      x: {
        field: "pair",
        type: "nominal",
        sort: [...new Set(rows.map((r) => r.pair))],
        title: "machine, path",
        axis: { labelAngle: -40 },
      },
      xOffset: { field: "source", type: "nominal", sort: ["simulated", "paper"], title: "source" },
      y: { field: "value", type: "quantitative", title },
      color: seriesColor("source", "source", ["simulated", "paper"]),
    },
  };
}

/** Sharing: updates per second (all threads) against cores, one panel per number of lines. */
export function sharingSpec(figure: SharingFigure, where: string): VegaLiteSpec {
  const rows = figure.results.map((r) => ({
    mode: r.mode === "shared" ? "shared-memory" : "URPC server",
    cores: r.cores,
    lines: `${r.lines} line${r.lines === 1 ? "" : "s"}`,
    updatesPerSec: r.updatesPerSec,
  }));
  const modes = [...new Set(rows.map((r) => r.mode))];
  return {
    $schema: schema,
    title: `Sharing is expensive, ${where}: updates/s of all threads`,
    data: { values: rows },
    facet: { column: { field: "lines", type: "nominal", sort: null, title: "cache lines per update" } },
    spec: {
      width: panelWidth,
      height: panelHeight,
      encoding: {
        x: coresAxis("threads (cores)"),
        y: {
          field: "updatesPerSec",
          type: "quantitative",
          title: "updates (per second, log scale)",
          scale: { type: "log" },
          axis: { format: "~s" },
        },
        color: seriesColor("mode", "mode", modes),
      },
      layer: linesWithPoints({ field: "mode", title: "mode", values: modes }),
    },
  };
}

/** Shootdown: unmap latency in cycles against cores, one line per protocol (the paper's figure). */
export function shootdownSpec(figure: ShootdownFigure): VegaLiteSpec {
  const protocols = [...new Set(figure.results.map((r) => r.protocol))];
  return {
    $schema: schema,
    title: `TLB shootdown on ${figure.machine}: one unmap (cycles)`,
    width: chartWidth,
    height: chartHeight,
    data: { values: figure.results.map((r) => ({ ...r })) },
    encoding: {
      x: coresAxis("cores"),
      y: { field: "latencyCycles", type: "quantitative", title: "latency (cycles)" },
      color: seriesColor("protocol", "protocol", protocols),
    },
    layer: linesWithPoints(
      { field: "protocol", title: "protocol", values: protocols },
      {
        strokeDash: {
          condition: { test: "datum.protocol === 'shared-memory'", value: [6, 3] },
          value: [1, 0],
        },
      },
    ),
  };
}

/**
 * A figure from a command whose JSON this report does not know in advance (`bench shootdown
 * --real`, `bench unmap`): lines of the first numeric field ending in "Ns" or "Cycles" against
 * `cores`, one per `protocol` (or `mode`); null when its results have no such shape.
 */
export function resultsLineSpec(title: string, results: readonly unknown[]): VegaLiteSpec | null {
  const records = results.filter(
    (r): r is Record<string, unknown> => typeof r === "object" && r !== null && !Array.isArray(r),
  );
  const first = records[0];
  if (first === undefined || typeof first.cores !== "number") return null;
  const yField = Object.keys(first).find((k) => /(Ns|Cycles)$/.test(k) && typeof first[k] === "number");
  if (yField === undefined) return null;
  const seriesField = ["protocol", "mode"].find((k) => typeof first[k] === "string");
  const series = seriesField === undefined ? [] : [...new Set(records.map((r) => String(r[seriesField])))];
  return {
    $schema: schema,
    title,
    width: chartWidth,
    height: chartHeight,
    data: { values: records },
    encoding: {
      x: coresAxis("cores"),
      y: { field: yField, type: "quantitative", title: fieldTitle(yField) },
      ...(seriesField === undefined ? {} : { color: seriesColor(seriesField, seriesField, series) }),
    },
    layer:
      seriesField === undefined
        ? [{ mark: { type: "line", point: true, tooltip: true } }]
        : linesWithPoints({ field: seriesField, title: seriesField, values: series }),
  };
}
