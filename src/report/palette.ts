// The report's one colour scale, one shape scale and its axis conventions, shared by every chart.
//
// Every series the report plots (a shootdown protocol, the shared-memory baseline, the URPC server,
// a host mechanism, the simulated and published sources of Table 2) has one colour, fixed here: each
// chart's colour encoding carries the same scale (this whole domain and range), so a protocol is
// the same colour in every chart, and its legend lists only the series the chart shows. Lines carry
// points of a shape per series too, hollow, so that series drawn on top of each other stay visible.
// Counts of cores are integers: their axes tick only at integers. Axis titles say the quantity and
// its unit; a field name of a figure ("latencyNs") becomes "latency (ns)".

/** Every series name the report plots, with its colour (Tableau 20's, in pairs of hues). */
const seriesColors: readonly (readonly [series: string, colour: string])[] = [
  ["broadcast", "#4c78a8"],
  ["unicast", "#f58518"],
  ["multicast", "#54a24b"],
  ["numa-multicast", "#b279a2"],
  ["shared-memory", "#e45756"],
  ["URPC server", "#72b7b2"],
  ["C cache-line floor", "#9d755d"],
  ["URPC (polling)", "#eeca3b"],
  ["URPC wake-up", "#ff9da6"],
  ["postMessage", "#bab0ac"],
  ["MessageChannel", "#439894"],
  ["simulated", "#88d27a"],
  ["paper", "#d6a5c9"],
];

/** Point shapes, one per series in seriesColors' order (Vega's names), cycling where there are fewer. */
const shapes: readonly string[] = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"];

/** The series domain, in order, and its colours. */
export const seriesDomain: readonly string[] = seriesColors.map(([series]) => series);
export const seriesRange: readonly string[] = seriesColors.map(([, colour]) => colour);
const shapeRange: readonly string[] = seriesDomain.map((_, i) => shapes[i % shapes.length]!);

/** The series of `values` that have a colour, in the scale's order (the test checks that all do). */
function present(values: readonly string[]): string[] {
  return seriesDomain.filter((s) => values.includes(s));
}

/** A colour encoding by `field` on the report's one scale; the legend lists the series in `values`. */
export function seriesColor(field: string, title: string | null, values: readonly string[]): object {
  return {
    field,
    type: "nominal",
    title,
    scale: { domain: seriesDomain, range: seriesRange },
    legend: { values: present(values) },
  };
}

/** A shape encoding by `field` on the report's one shape scale; its legend merges with colour's. */
export function seriesShape(field: string, title: string | null, values: readonly string[]): object {
  return {
    field,
    type: "nominal",
    title,
    scale: { domain: seriesDomain, range: shapeRange },
    legend: { values: present(values) },
  };
}

/** An x axis of core (or thread) counts: integers only. */
export function coresAxis(title: string): object {
  return { field: "cores", type: "quantitative", title, axis: { format: "d", tickMinStep: 1 } };
}

/** Unit suffixes of figure field names and how an axis title says them. */
const fieldUnits: readonly (readonly [suffix: string, unit: string])[] = [
  ["Ns", "ns"],
  ["Ms", "ms"],
  ["Cycles", "cycles"],
  ["PerSec", "per second"],
];

/** An axis title for a figure's field: "latencyNs" → "latency (ns)", "p99Cycles" → "p99 (cycles)". */
export function fieldTitle(field: string): string {
  const unit = fieldUnits.find(([suffix]) => field.endsWith(suffix) && field.length > suffix.length);
  const stem = unit === undefined ? field : field.slice(0, -unit[0].length);
  const words = stem.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return unit === undefined ? words : `${words} (${unit[1]})`;
}

/**
 * Two layers: a line per series, then hollow points of the series' shape on it (drawn over each
 * other, every series still shows). The series field, its legend title and the series shown are
 * colour's; `lineEncoding` adds to the line's encoding (a dash, say).
 */
export function linesWithPoints(
  series: { readonly field: string; readonly title: string | null; readonly values: readonly string[] },
  lineEncoding: object = {},
): object[] {
  return [
    { mark: { type: "line", opacity: 0.8 }, encoding: lineEncoding },
    {
      mark: { type: "point", filled: false, size: 60, strokeWidth: 1.6, tooltip: true },
      encoding: { shape: seriesShape(series.field, series.title, series.values) },
    },
  ];
}
