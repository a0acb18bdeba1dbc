// Builds the report's one self-contained HTML page from the collected figures.
//
// The page has five sections (URPC on the host, the simulated Table 2, sharing, TLB shootdown,
// unmap end to end), each naming the machine its figures come from and the date. Each shows its
// tables as HTML — the paper's published values beside the reproduced ones where paper.ts has them
// — and its charts as Vega-Lite specs (specs.ts) in <script type="application/json"> elements,
// which a small script at the end hands to vega-embed. vega, vega-lite and vega-embed are inlined
// (libraries.ts), so the page loads nothing from the network and renders offline. A figure this
// run did not measure, or failed to, is said to be missing, never filled in. Beside each claim of
// the paper stands its verdict, computed from this page's figures (claims.ts). When the host ran
// more cores than it has CPUs, the page says so wherever host figures appear.
import { formatNs, formatRate } from "../bench/report.js";
import type { SharingFigure } from "../bench/sharing.js";
import type { ShootdownFigure } from "../bench/shootdown-sim.js";
import { sharingVerdicts, shootdownVerdicts, urpcTableVerdict, type Verdict } from "./claims.js";
import type { HostInfo, HostOutcome, ReportData, UrpcTableFigure } from "./collect.js";
import { reportSharingMachine } from "./collect.js";
import type { InlinedLibrary } from "./libraries.js";
import { paperMachines, paperSharing, paperShootdownFindings } from "./paper.js";
import {
  resultsLineSpec,
  sharingSpec,
  shootdownSpec,
  urpcHostSpec,
  urpcTableSpec,
  type VegaLiteSpec,
} from "./specs.js";

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** JSON that can sit inside a <script> element: no "<" (so no "</script>") survives unescaped. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c");
}

/** Collects the page's charts as it is built: each gets a placeholder and a spec element. */
class Charts {
  private count = 0;
  chart(spec: VegaLiteSpec): string {
    const id = `chart-${this.count++}`;
    return `<div class="chart" id="${id}"></div>\n<script type="application/json" data-chart="${id}">${scriptJson(spec)}</script>`;
  }
}

const css = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .8em 0; } th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: right; }
th { background: #f3f3f3; } td:first-child, th:first-child { text-align: left; }
.where { color: #555; font-size: .92em; } .missing { background: #fff6e0; border-left: 4px solid #e0a000; padding: .5em 1em; }
.chart { margin: 1em 0; } .side { display: flex; flex-wrap: wrap; gap: 2em; align-items: flex-start; }
pre { background: #f7f7f7; padding: .6em; overflow-x: auto; } .paper { color: #8a4b00; }
.verdict { font-weight: 600; } .reproduced { color: #1a7f37; } .not-reproduced { color: #b42318; } .not-measured { color: #777; }`;

/** A verdict as HTML: its status, then why. */
export function verdictHtml(v: Verdict): string {
  return `<span class="verdict ${v.status.replaceAll(" ", "-")}">${v.status}</span>: ${escapeHtml(v.reason)}`;
}

/** The most cores (or threads) a host run of this report used, from its figures. */
function hostCoresMax(data: ReportData): number {
  const counts = [data.sharingHost?.results.map((r) => r.cores) ?? []];
  for (const outcome of [data.shootdownReal, data.unmap]) {
    if (outcome.status !== "ok") continue;
    counts.push(
      (outcome.figure.results as readonly { readonly cores?: unknown }[]).map((r) => Number(r.cores) || 0),
    );
  }
  return Math.max(0, ...counts.flat());
}

/** The warning when a host run had more cores than the host has CPUs, or "". */
export function oversubscriptionWarning(data: ReportData): string {
  const cores = hostCoresMax(data);
  const cpus = data.host.availableCpus;
  if (cores <= cpus) return "";
  return missing(
    `${cores} cores on ${cpus} CPUs: cores share CPUs; the host figures are not per-core (a core waits while another runs on its CPU).`,
  );
}

/** The whole page. */
export function renderReportHtml(data: ReportData, libraries: readonly InlinedLibrary[]): string {
  const charts = new Charts();
  const sections = [
    urpcHostSection(data, charts),
    urpcTableSection(data, charts),
    sharingSection(data, charts),
    shootdownSection(data, charts),
    unmapSection(data, charts),
  ];
  const scripts = libraries.map((lib) => {
    if (/<\/script/i.test(lib.source)) throw new Error(`report: ${lib.name}'s build cannot be inlined`);
    return `<script data-library="${escapeHtml(lib.name)}" data-version="${escapeHtml(lib.version)}">${lib.source}</script>`;
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>multikernel: reproduction of the Barrelfish paper's figures</title>
<style>${css}</style>
</head>
<body>
<h1>The multikernel paper, reproduced</h1>
<p>Generated ${escapeHtml(data.generatedAt)} by <code>multikernel report${data.quick ? " --quick" : ""}</code>${
    data.quick ? " (quick: fewer rounds and updates; noisier)" : ""
  }. Paper: Baumann et al., <i>The Multikernel: A new OS architecture for scalable multicore systems</i>, SOSP 2009.
Published values (<span class="paper">paper</span>) are read off the paper second-hand and may be off by a few percent.
Simulated figures are virtual time on the machine models in <code>machines/</code> (deterministic);
host figures are measured with real threads and depend on the machine and its load.</p>
<p class="where">Host: ${hostLine(data.host)}.</p>
${oversubscriptionWarning(data)}
${sections.join("\n")}
${scripts.join("\n")}
<script>
for (const el of document.querySelectorAll("script[data-chart]")) {
  const target = document.getElementById(el.dataset.chart);
  vegaEmbed(target, JSON.parse(el.textContent), { actions: false, renderer: "svg" })
    .catch((e) => { target.textContent = "chart failed: " + e.message; });
}
</script>
</body>
</html>
`;
}

function hostLine(host: HostInfo): string {
  return escapeHtml(
    `${host.cpuModel}, ${host.cpuCount} logical CPUs (${host.availableCpus} available), Node ${host.node}, ${host.platform}`,
  );
}

function where(text: string, date: string): string {
  return `<p class="where">Figures from: ${text}. Date: ${escapeHtml(date)}.</p>`;
}

function hostWhere(data: ReportData): string {
  return `${where(`this host — ${hostLine(data.host)}`, data.generatedAt)}\n${oversubscriptionWarning(data)}`;
}

function simWhere(machines: readonly string[], date: string): string {
  return where(
    `the simulator — ${machines.map((m) => `<code>${escapeHtml(m)}</code>${paperMachines[m] ? ` (model of the paper's ${escapeHtml(paperMachines[m])})` : ""}`).join(", ")}`,
    date,
  );
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th>${h}</th>`).join("");
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${trs}\n</tbody>\n</table>`;
}

function missing(text: string): string {
  return `<p class="missing">${text}</p>`;
}

// ---- 1. URPC on the host -------------------------------------------------------------------------

function urpcHostSection(data: ReportData, charts: Charts): string {
  const head = `<h2 id="urpc-host">1. URPC on the host</h2>`;
  const u = data.urpcHost;
  if (u === null) return `${head}\n${missing("Host measurements were not run.")}`;
  const p = (p50: number | null, p99: number | null) => `${formatNs(p50)} / ${formatNs(p99)}`;
  const why = (key: string): string => escapeHtml(u.unavailable[key] ?? "");
  const rows: string[][] = [
    [
      "C cache-line ping-pong (the floor), one way, p50 / p99",
      p(u.floorOneWayNs, u.floorOneWayP99Ns),
      why("floor"),
    ],
    [
      "URPC ping-pong, one way, p50 / p99",
      p(u.urpcOneWayNs, u.urpcOneWayP99Ns),
      why("urpc") || "both sides polling",
    ],
    [
      "URPC streaming, one-slot messages (zero-copy)",
      formatRate(u.urpcMsgsPerSec),
      why("urpc") || "written into the slot",
    ],
    ["URPC streaming, copied sends", formatRate(u.urpcCopyMsgsPerSec), why("urpc") || "copied from a buffer"],
    [
      "baseline: bare JavaScript ring, streaming",
      formatRate(u.bareRingMsgsPerSec),
      why("urpc") || "same geometry, no checks, no handler",
    ],
    ["URPC wake-up, one way (receiver asleep)", formatNs(u.urpcWakeOneWayNs), why("urpc")],
    [
      "postMessage ping-pong, one way, p50 / p99",
      p(u.postMessageOneWayNs, u.postMessageOneWayP99Ns),
      why("postMessage") || "main thread ↔ worker",
    ],
    [
      "MessageChannel ping-pong, one way, p50 / p99",
      p(u.messageChannelOneWayNs, u.messageChannelOneWayP99Ns),
      why("messageChannel") || "main thread ↔ worker over a port pair",
    ],
  ];
  return `${head}
${hostWhere(data)}
<p>What <code>multikernel bench urpc --rounds ${u.rounds}</code> measures, in one run: ${u.rounds} round trips per ping-pong.
The paper's Table 2 is in cycles on its own machines; section 2 compares with it.</p>
<div class="side">
${table(["figure", "value", "note"], rows)}
${charts.chart(urpcHostSpec(u))}
</div>`;
}

// ---- 2. Table 2, simulated -----------------------------------------------------------------------

function delta(value: number, paper: number | null): string {
  if (paper === null) return "";
  const percent = ((value - paper) / paper) * 100;
  return `${percent >= 0 ? "+" : ""}${percent.toFixed(1)} %`;
}

function urpcTableSection(data: ReportData, charts: Charts): string {
  const rows: string[][] = [];
  for (const t of data.urpcTables) {
    for (const r of t.rows) {
      rows.push([
        `<code>${escapeHtml(t.machine)}</code>`,
        escapeHtml(r.path),
        `${r.cores[0]},${r.cores[1]}`,
        r.latencyCycles.toFixed(1),
        `<span class="paper">${r.paperLatencyCycles ?? "—"}</span>`,
        delta(r.latencyCycles, r.paperLatencyCycles),
        r.msgsPerKcycle.toFixed(2),
        `<span class="paper">${r.paperMsgsPerKcycle?.toFixed(2) ?? "—"}</span>`,
        delta(r.msgsPerKcycle, r.paperMsgsPerKcycle),
      ]);
    }
  }
  return `<h2 id="table-2">2. Table 2: URPC between cores, simulated</h2>
${simWhere(
  data.urpcTables.map((t: UrpcTableFigure) => t.machine),
  data.generatedAt,
)}
<p>One cache line per message: ping-pong latency (round trip over two) and streaming throughput, for a pair of cores of each path class
(<code>simulateUrpcTable</code>, seed 1). The machine models are calibrated to the paper's Table 2, so agreement here checks the simulator,
not the hardware.</p>
${table(
  [
    "machine",
    "path",
    "cores",
    "latency (cycles)",
    '<span class="paper">paper</span>',
    "Δ",
    "msgs/kcycle",
    '<span class="paper">paper</span>',
    "Δ",
  ],
  rows,
)}
<ul>${data.urpcTables.map((t) => `<li><code>${escapeHtml(t.machine)}</code> against the paper's Table 2: ${verdictHtml(urpcTableVerdict(t))}</li>`).join("")}</ul>
<div class="side">
${charts.chart(urpcTableSpec(data.urpcTables, "latencyCycles"))}
${charts.chart(urpcTableSpec(data.urpcTables, "msgsPerKcycle"))}
</div>`;
}

// ---- 3. Sharing ----------------------------------------------------------------------------------

function sharingTable(figure: SharingFigure): string {
  return table(
    ["mode", "threads", "lines", "updates/s (all)", "per update (one thread)"],
    figure.results.map((r) => [
      r.mode,
      String(r.cores),
      String(r.lines),
      formatRate(r.updatesPerSec),
      formatNs(r.nsPerUpdate),
    ]),
  );
}

function sharingSection(data: ReportData, charts: Charts): string {
  const parts = [
    `<h2 id="sharing">3. Sharing is expensive (paper §2)</h2>
<p><code>shared</code>: N threads each update the same cache lines with <code>Atomics.add</code>; <code>urpc</code>: N−1 clients send the
same updates, one URPC message each, to one server thread that applies them to its private lines (<code>multikernel bench sharing</code>).</p>`,
  ];
  parts.push(`<h3>Simulated: <code>${escapeHtml(data.sharingSim.machine)}</code></h3>`);
  parts.push(simWhere([data.sharingSim.machine], data.generatedAt));
  parts.push(sharingPaperTable(data.sharingSim, data));
  parts.push(charts.chart(sharingSpec(data.sharingSim, `simulated ${data.sharingSim.machine}`)));
  parts.push(`<details><summary>every configuration</summary>\n${sharingTable(data.sharingSim)}\n</details>`);
  parts.push("<h3>Host threads</h3>");
  if (data.sharingHost !== null) {
    parts.push(hostWhere(data));
    parts.push(charts.chart(sharingSpec(data.sharingHost, "this host")));
    parts.push(
      `<details><summary>every configuration</summary>\n${sharingTable(data.sharingHost)}\n</details>`,
    );
  } else if (data.sharingHostError !== null) {
    parts.push(missing(`The host run failed: ${escapeHtml(data.sharingHostError)}`));
  } else {
    parts.push(missing("Host measurements were not run."));
  }
  return parts.join("\n");
}

/** The paper's three claims beside the simulated figures, each with its verdict (claims.ts). */
function sharingPaperTable(figure: SharingFigure, data: ReportData): string {
  if (figure.machine !== reportSharingMachine) return "";
  const clockGHz = data.urpcTables.find((t) => t.machine === figure.machine)?.clockGHz ?? null;
  const verdicts = sharingVerdicts(figure, clockGHz);
  const claims = [
    `one core, per update: <span class="paper">under ${paperSharing.localUpdateCyclesMax} cycles</span>`,
    `16 cores sharing, per update (one thread's view): <span class="paper">almost ${paperSharing.contendedUpdateCycles16.toLocaleString("en")} extra cycles</span>`,
    `URPC server / 16 shared threads, updates/s: <span class="paper">about ${paperSharing.serverOverSharedRatio16}×</span>`,
    `16 cores sharing, per update, by lines touched (${paperSharing.linesPlotted.join(", ")}): <span class="paper">growing with the lines</span>`,
  ];
  return table(
    ["the paper's claim", "verdict, from the simulated figures"],
    claims.map((claim, i) => [claim, verdictHtml(verdicts[i]!)]),
  );
}

// ---- 4. TLB shootdown ----------------------------------------------------------------------------

function shootdownTable(figure: ShootdownFigure): string {
  const protocols = [...new Set(figure.results.map((r) => r.protocol))];
  const counts = [...new Set(figure.results.map((r) => r.cores))];
  return table(
    ["cores", ...protocols],
    counts.map((cores) => [
      String(cores),
      ...protocols.map((protocol) => {
        const point = figure.results.find((r) => r.protocol === protocol && r.cores === cores);
        return point === undefined ? "n/a" : String(point.latencyCycles);
      }),
    ]),
  );
}

/** Each finding of the paper with its verdict on each simulated machine (claims.ts). */
function shootdownFindingsTable(figures: readonly ShootdownFigure[]): string {
  const verdicts = figures.map(shootdownVerdicts);
  return table(
    ["the paper's finding", ...figures.map((f) => `verdict on <code>${escapeHtml(f.machine)}</code>`)],
    paperShootdownFindings.map((finding, i) => [
      `<span class="paper">${escapeHtml(finding)}</span>`,
      ...verdicts.map((v) => verdictHtml(v[i]!)),
    ]),
  );
}

function shootdownSection(data: ReportData, charts: Charts): string {
  const parts = [
    `<h2 id="shootdown">4. TLB shootdown (paper §5)</h2>
<p>The latency of one unmap, from the call to its completion, for each message protocol and the shared-memory (IPI-style) baseline
(<code>multikernel bench shootdown</code>). The paper gives this as a plot; what it reports, and whether the simulated figures below bear it out:
</p>`,
    shootdownFindingsTable(data.shootdownSim),
  ];
  for (const figure of data.shootdownSim) {
    parts.push(`<h3>Simulated: <code>${escapeHtml(figure.machine)}</code></h3>`);
    parts.push(simWhere([figure.machine], data.generatedAt));
    parts.push(
      `<div class="side">\n${charts.chart(shootdownSpec(figure))}\n${shootdownTable(figure)}\n</div>`,
    );
  }
  parts.push("<h3>Real cores (this host)</h3>");
  parts.push(
    hostFigure(
      data,
      data.shootdownReal,
      charts,
      "TLB shootdown on this host's cores",
      "bench shootdown --real",
    ),
  );
  return parts.join("\n");
}

// ---- 5. Unmap end to end -------------------------------------------------------------------------

function unmapSection(data: ReportData, charts: Charts): string {
  return `<h2 id="unmap">5. Unmap end to end</h2>
<p>A domain's unmap through its monitor, on real cores: the path the paper's message-based unmap takes and the simulated figure leaves out.</p>
${hostFigure(data, data.unmap, charts, "Unmap end to end on this host", "bench unmap")}`;
}

/** A figure measured on this host's booted cores: its chart and table, or why there is none. */
function hostFigure(
  data: ReportData,
  outcome: HostOutcome<{ readonly results: readonly unknown[] }>,
  charts: Charts,
  title: string,
  command: string,
): string {
  const code = `<code>multikernel ${escapeHtml(command)}</code>`;
  if (outcome.status === "skipped") {
    return missing(
      `Not measured: host measurements were not run (<code>--no-host</code>). ${code} measures it on its own.`,
    );
  }
  if (outcome.status === "failed") return missing(`${code} failed: ${escapeHtml(outcome.error)}`);
  const spec = resultsLineSpec(title, outcome.figure.results);
  return `${hostWhere(data)}
<p>Measured as ${code} measures it (its JSON below).</p>
${spec === null ? "" : charts.chart(spec)}
${resultsTable(outcome.figure.results)}
<details><summary>JSON</summary><pre>${escapeHtml(JSON.stringify(outcome.figure, null, 2))}</pre></details>`;
}

function resultsTable(results: readonly unknown[]): string {
  const records = results.filter(
    (r): r is Record<string, unknown> => typeof r === "object" && r !== null && !Array.isArray(r),
  );
  if (records.length === 0) return "";
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return table(
    keys.map(escapeHtml),
    records.map((r) => keys.map((k) => escapeHtml(r[k] === undefined ? "" : String(r[k])))),
  );
}
