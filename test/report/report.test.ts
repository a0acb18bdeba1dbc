// Tests of `multikernel report` (src/report): the collection on the simulated machines, the page it
// builds (the libraries inlined, nothing loaded from the network, every chart spec valid JSON, the
// paper's Table 2 values in the table), and the whole quick report run through the command.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { collectReport, type ReportData } from "../../src/report/collect.js";
import { renderReportHtml } from "../../src/report/html.js";
import { chartLibraryNames, readChartLibraries } from "../../src/report/libraries.js";
import { paperUrpcTable } from "../../src/report/paper.js";

const mainPath = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
/** The whole quick report, host measurements included, must finish well within this. */
const quickReportTimeoutMs = 120_000;

let dir = "";
let data: ReportData;
let html = "";

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "multikernel-report-"));
  data = await collectReport({ quick: true, host: false });
  html = renderReportHtml(data, readChartLibraries());
});

after(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

/** The chart specs the page carries, parsed. */
function chartSpecs(page: string): Record<string, unknown>[] {
  const pattern = /<script type="application\/json" data-chart="[^"]+">([\s\S]*?)<\/script>/g;
  return [...page.matchAll(pattern)].map((m) => JSON.parse(m[1] ?? "") as Record<string, unknown>);
}

test("the simulated parts cover the paper's machines, sharing on amd-4x4 and shootdown to 16 and 32 cores", () => {
  assert.deepEqual(
    data.urpcTables.map((t) => t.machine),
    ["intel-2x4", "amd-2x2", "amd-4x4", "amd-8x4"],
  );
  assert.equal(data.urpcHost, null);
  assert.equal(data.sharingHost, null);
  assert.equal(data.sharingSim.machine, "amd-4x4");
  assert.ok(data.sharingSim.results.some((r) => r.mode === "urpc" && r.cores === 16));
  assert.deepEqual(
    data.shootdownSim.map((f) => [f.machine, Math.max(...f.results.map((r) => r.cores))]),
    [
      ["amd-4x4", 16],
      ["amd-8x4", 32],
    ],
  );
  assert.equal(data.shootdownReal.status, "skipped");
  assert.equal(data.unmap.status, "skipped");
});

test("every row of the paper's Table 2 is in the simulated tables, within 2 %", () => {
  for (const paper of paperUrpcTable) {
    const row = data.urpcTables
      .find((t) => t.machine === paper.machine)
      ?.rows.find((r) => r.path === paper.path);
    assert.ok(row !== undefined, `${paper.machine} ${paper.path}`);
    assert.equal(row.paperLatencyCycles, paper.latencyCycles);
    assert.equal(row.paperMsgsPerKcycle, paper.msgsPerKcycle);
    assert.ok(Math.abs(row.latencyCycles - paper.latencyCycles) / paper.latencyCycles < 0.02);
    assert.ok(Math.abs(row.msgsPerKcycle - paper.msgsPerKcycle) / paper.msgsPerKcycle < 0.02);
  }
});

test("the page inlines vega, vega-lite and vega-embed and loads no script from anywhere", () => {
  for (const name of chartLibraryNames) assert.match(html, new RegExp(`<script data-library="${name}"`));
  assert.doesNotMatch(html, /<script[^>]*\bsrc\s*=/i);
  assert.doesNotMatch(html, /<link[^>]*\bhref\s*=\s*["']?https?:/i);
  assert.ok(html.length > 500_000, `only ${html.length} characters: are the libraries there?`);
});

test("every chart spec is valid JSON with inline data and the Vega-Lite 5 schema", () => {
  const specs = chartSpecs(html);
  // Two for Table 2, one for simulated sharing, one per simulated shootdown machine.
  assert.equal(specs.length, 5);
  for (const spec of specs) {
    assert.equal(spec.$schema, "https://vega.github.io/schema/vega-lite/v5.json");
    const values = (spec.data as { values?: unknown } | undefined)?.values;
    assert.ok(Array.isArray(values) && values.length > 0);
  }
});

test("the Table 2 rows carry the paper's values, and a missing figure is said to be missing", () => {
  for (const paper of paperUrpcTable) {
    const row = new RegExp(
      `<code>${paper.machine}</code></td><td>${paper.path}</td>.*<span class="paper">${paper.latencyCycles}</span>.*<span class="paper">${paper.msgsPerKcycle.toFixed(2)}</span>`,
    );
    assert.match(html, row, `${paper.machine} ${paper.path}`);
  }
  assert.match(
    html,
    /host measurements were not run \(<code>--no-host<\/code>\)\. <code>multikernel bench shootdown --real<\/code>/,
  );
  assert.match(
    html,
    /host measurements were not run \(<code>--no-host<\/code>\)\. <code>multikernel bench unmap<\/code>/,
  );
  assert.match(html, /Host measurements were not run/);
});

test("`report --quick --json` runs everything, writes the page and prints only a summary", () => {
  const out = join(dir, "report.html");
  const r = spawnSync(process.execPath, [mainPath, "report", "--quick", "--json", "--out", out], {
    encoding: "utf8",
    timeout: quickReportTimeoutMs,
  });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout) as {
    out: string;
    bytes: number;
    data: ReportData;
  };
  assert.equal(summary.out, out);
  const page = readFileSync(out, "utf8");
  assert.equal(Buffer.byteLength(page), summary.bytes);
  assert.equal(summary.data.quick, true);
  assert.ok(summary.data.urpcHost !== null);
  assert.match(page, /1\. URPC on the host/);
  assert.match(page, new RegExp(`Node ${process.version.replaceAll(".", "\\.")}`));
  for (const spec of chartSpecs(page)) assert.equal(typeof spec, "object");
});

test("a host figure is shown as a chart and a table, and a failed one says why", () => {
  const figure = {
    machine: "host" as const,
    results: [
      { protocol: "unicast", cores: 2, latencyNs: 9_000 },
      { protocol: "shared-memory", cores: 2, latencyNs: 3_000 },
    ],
  };
  const withHost: ReportData = {
    ...data,
    shootdownReal: { status: "ok", figure },
    unmap: { status: "failed", error: "boot failed on core 1" },
  };
  const page = renderReportHtml(withHost, readChartLibraries());
  assert.equal(chartSpecs(page).length, 6);
  assert.match(page, /<th>latencyNs<\/th>/);
  assert.match(page, /<code>multikernel bench unmap<\/code> failed: boot failed on core 1/);
});
