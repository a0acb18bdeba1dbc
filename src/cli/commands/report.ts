// `multikernel report`: the whole reproduction in one command, written as one HTML page.
//
// Runs src/report/collect.ts (URPC on the host, Table 2 simulated on the paper's four machines,
// sharing on the host and on amd-4x4, TLB shootdown on amd-4x4 and amd-8x4 and on this host's cores,
// unmap end to end), all in this process, with a progress bar on standard error, then
// writes the page of src/report/html.ts to --out (default report.html in the working directory):
// tables beside the paper's values and Vega-Lite charts, with vega, vega-lite and vega-embed inlined
// so that it renders offline. Prints where it wrote the page; with --json, that line goes to
// standard error and a summary object is all of standard output.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { collectReport, type ReportData } from "../../report/collect.js";
import { renderReportHtml } from "../../report/html.js";
import { readChartLibraries } from "../../report/libraries.js";
import { progressBar } from "../../report/progress.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

interface ReportOptions {
  out: string;
  quick: boolean;
  json: boolean;
  host: boolean;
}

/** The page's file name unless --out says otherwise, in the working directory. */
const outDefault = "report.html";

export const registerReport: Registration = ({ program }) => {
  program
    .command("report")
    .description(
      "Run the whole reproduction (URPC, Table 2, sharing, shootdown, unmap) and write one self-contained HTML page with tables and charts.",
    )
    .option("--out <file>", "the HTML file to write", outDefault)
    .option("--quick", "fewer rounds and updates (a first look, and the tests)", false)
    .addOption(jsonOption())
    .option("--no-host", "skip the host measurements (simulated figures only)")
    .action(async (options: ReportOptions) => {
      const output = commandOutput(options.json);
      const summary = await runReport(options);
      output.text(`report: wrote ${summary.out} (${summary.bytes} bytes)`);
      output.json(summary);
    });
};

/** What `report --json` prints: where the page went, and the figures it was built from. */
export interface ReportSummary {
  readonly out: string;
  readonly bytes: number;
  readonly data: ReportData;
}

/** Collects the figures, writes the page, and returns the summary. */
export async function runReport(options: ReportOptions): Promise<ReportSummary> {
  const libraries = readChartLibraries(); // before measuring: a missing library fails at once
  const progress = progressBar();
  let data: ReportData;
  try {
    data = await collectReport({
      quick: options.quick,
      host: options.host,
      onStep: (label, index, total) => progress.step(label, index, total),
    });
  } finally {
    progress.stop();
  }
  const html = renderReportHtml(data, libraries);
  const out = resolve(options.out);
  writeFileSync(out, html);
  return { out, bytes: Buffer.byteLength(html), data };
}
