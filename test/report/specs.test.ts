// The report's charts keep one set of conventions (src/report/palette.ts): every colour encoding
// carries the same scale (domain and range), so a protocol has one colour in every chart; every
// series plotted has a colour in it; core counts tick only at integers; every x and y axis has a
// title, with its unit in parentheses where it is a quantity, and no raw field name. Checked on
// the specs of a quick simulated report's page and of host figures made up for the host charts.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { RealShootdownFigure } from "../../src/bench/shootdown-real.js";
import { collectReport, type ReportData } from "../../src/report/collect.js";
import { oversubscriptionWarning, renderReportHtml } from "../../src/report/html.js";
import { seriesDomain, seriesRange } from "../../src/report/palette.js";
import { resultsLineSpec, sharingSpec, urpcHostSpec } from "../../src/report/specs.js";

type Json = Record<string, unknown>;
let specs: Json[] = [];
let simulated: ReportData;

/** The chart specs a page carries, parsed. */
function chartSpecs(page: string): Json[] {
  const pattern = /<script type="application\/json" data-chart="[^"]+">([\s\S]*?)<\/script>/g;
  return [...page.matchAll(pattern)].map((m) => JSON.parse(m[1] ?? "") as Json);
}

/** Every encoding object in a spec (top level, facet's inner spec, layers), each with its spec's data. */
function encodings(spec: Json): Json[] {
  const found: Json[] = [];
  const visit = (node: Json) => {
    if (typeof node.encoding === "object" && node.encoding !== null) found.push(node.encoding as Json);
    if (typeof node.spec === "object" && node.spec !== null) visit(node.spec as Json);
    if (Array.isArray(node.layer)) for (const layer of node.layer as Json[]) visit(layer);
  };
  visit(spec);
  return found;
}

function dataValues(spec: Json): Json[] {
  return ((spec.data as Json | undefined)?.values as Json[] | undefined) ?? [];
}

before(async () => {
  const data = await collectReport({ quick: true, host: false });
  simulated = data;
  const hostSharing = {
    machine: "host",
    results: [1, 2].flatMap((cores) =>
      (["shared", "urpc"] as const).map((mode) => ({
        mode,
        cores,
        lines: 1,
        updatesPerSec: 1e6,
        nsPerUpdate: 10,
      })),
    ),
  };
  const realShootdown = [2, 3].flatMap((cores) =>
    ["broadcast", "unicast", "multicast", "numa-multicast", "shared-memory"].map((protocol) => ({
      protocol,
      cores,
      latencyNs: 1000 * cores,
    })),
  );
  const host = {
    rounds: 1,
    floorOneWayNs: 50,
    floorOneWayP99Ns: 80,
    urpcOneWayNs: 100,
    urpcOneWayP99Ns: 200,
    urpcMsgsPerSec: 1e7,
    urpcCopyMsgsPerSec: 1e7,
    bareRingMsgsPerSec: 1e7,
    urpcWakeOneWayNs: 5000,
    postMessageOneWayNs: 20000,
    postMessageOneWayP99Ns: 40000,
    messageChannelOneWayNs: 20000,
    messageChannelOneWayP99Ns: 40000,
    unavailable: {},
  };
  specs = [
    ...chartSpecs(renderReportHtml(data, [])),
    sharingSpec(hostSharing, "this host") as Json,
    resultsLineSpec("real shootdown", realShootdown) as Json,
    urpcHostSpec(host) as Json,
  ];
});

test("every colour encoding uses the one scale, and every series plotted is in it", () => {
  let colours = 0;
  for (const spec of specs) {
    for (const encoding of encodings(spec)) {
      const color = encoding.color as Json | undefined;
      if (color === undefined) continue;
      colours++;
      const scale = color.scale as Json;
      assert.deepEqual(scale.domain, seriesDomain, `${String(spec.title)}: colour domain`);
      assert.deepEqual(scale.range, seriesRange, `${String(spec.title)}: colour range`);
      for (const row of dataValues(spec)) {
        const series = String(row[String(color.field)]);
        assert.ok(seriesDomain.includes(series), `${String(spec.title)}: series "${series}" has no colour`);
      }
    }
  }
  assert.ok(colours >= 8, `only ${colours} colour encodings found`);
  assert.equal(new Set(seriesRange).size, seriesRange.length, "two series share a colour");
});

test("core counts are integer axes", () => {
  let axes = 0;
  for (const spec of specs) {
    for (const encoding of encodings(spec)) {
      const x = encoding.x as Json | undefined;
      if (x?.field !== "cores") continue;
      axes++;
      const axis = (x.axis as Json | undefined) ?? {};
      const integer = x.type === "ordinal" || (axis.format === "d" && axis.tickMinStep === 1);
      assert.ok(integer, `${String(spec.title)}: cores axis ${JSON.stringify(x)}`);
    }
  }
  assert.ok(axes >= 4, `only ${axes} core axes found`);
});

test("every x and y axis has a title, quantities with their unit, no raw field name", () => {
  for (const spec of specs) {
    for (const encoding of encodings(spec)) {
      for (const channel of ["x", "y"] as const) {
        const axis = encoding[channel] as Json | undefined;
        if (axis === undefined) continue;
        const where = `${String(spec.title)}: ${channel} (${String(axis.field)})`;
        assert.equal(typeof axis.title, "string", `${where} has no title`);
        const title = axis.title as string;
        assert.ok(title.length > 0, `${where} has an empty title`);
        assert.doesNotMatch(title, /[a-z][A-Z]/, `${where}: "${title}" is a field name`);
        if (axis.type === "quantitative" && axis.field !== "cores")
          assert.match(title, /\(.+\)/, `${where}: "${title}" has no unit`);
      }
    }
  }
});

test("a host run with more cores than CPUs says so; one within them does not", () => {
  const withCores = (cores: number, cpus: number): ReportData => {
    const figure = {
      results: [{ protocol: "unicast", cores, latencyNs: 1000 }],
    } as unknown as RealShootdownFigure;
    return {
      ...simulated,
      host: { ...simulated.host, availableCpus: cpus },
      shootdownReal: { status: "ok", figure },
    };
  };
  assert.match(oversubscriptionWarning(withCores(4, 2)), /4 cores on 2 CPUs: cores share CPUs/);
  assert.equal(oversubscriptionWarning(withCores(2, 2)), "");
  assert.match(renderReportHtml(withCores(4, 2), []), /4 cores on 2 CPUs/);
});
