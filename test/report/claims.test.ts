// The verdicts beside the paper's claims (src/report/claims.ts), fed figures that do and do not
// bear each claim out: the verdict follows the figures, and its reason quotes them.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { SharingFigure } from "../../src/bench/sharing.js";
import type { ShootdownFigure } from "../../src/bench/shootdown-sim.js";
import { sharingVerdicts, shootdownVerdicts, urpcTableVerdict } from "../../src/report/claims.js";
import type { UrpcTableFigure } from "../../src/report/collect.js";

/** A sharing figure on one line: one core's ns per update, 16 sharing threads', and the two rates. */
function sharing(oneNs: number, shared16Ns: number, shared16Rate: number, urpc16Rate: number): SharingFigure {
  return {
    machine: "amd-4x4",
    results: [
      { mode: "shared", cores: 1, lines: 1, updatesPerSec: 1e9 / oneNs, nsPerUpdate: oneNs },
      { mode: "shared", cores: 16, lines: 1, updatesPerSec: shared16Rate, nsPerUpdate: shared16Ns },
      { mode: "urpc", cores: 16, lines: 1, updatesPerSec: urpc16Rate, nsPerUpdate: 100 },
    ],
  };
}

test("sharing: figures like the paper's are reproduced, others not, and missing ones not measured", () => {
  // At 2.5 GHz: 10 ns is 25 cycles; 4,810 ns is 12,025 cycles (12,000 extra); the server 2× the rate.
  const good = sharingVerdicts(sharing(10, 4_810, 1e7, 2e7), 2.5);
  assert.deepEqual(
    good.map((v) => v.status),
    ["reproduced", "reproduced", "reproduced", "not measured"],
  );
  assert.match(good[0]!.reason, /25 cycles per update, against under 30/);
  const bad = sharingVerdicts(sharing(20, 1_600, 1e7, 1e7), 2.5);
  assert.deepEqual(
    bad.map((v) => v.status),
    ["not reproduced", "not reproduced", "not reproduced", "not measured"],
  );
  assert.match(bad[1]!.reason, /3,950 extra cycles per update, against almost 12,000/);
  assert.match(bad[2]!.reason, /1\.00× the updates, against about 2×/);
  assert.deepEqual(
    sharingVerdicts(sharing(10, 4_810, 1e7, 2e7), null).map((v) => v.status),
    ["not measured", "not measured", "reproduced", "not measured"],
  );
});

test("sharing: the cost growing with the lines is reproduced only when it grows at every step", () => {
  const at = (lines: number, nsPerUpdate: number) =>
    ({ mode: "shared", cores: 16, lines, updatesPerSec: 1, nsPerUpdate }) as const;
  const growing = { machine: "amd-4x4", results: [at(1, 100), at(2, 200), at(4, 300), at(8, 900)] };
  assert.equal(sharingVerdicts(growing, 2.5)[3]!.status, "reproduced");
  const flat = { machine: "amd-4x4", results: [at(1, 100), at(2, 200), at(4, 200), at(8, 900)] };
  const verdict = sharingVerdicts(flat, 2.5)[3]!;
  assert.equal(verdict.status, "not reproduced");
  assert.match(verdict.reason, /4: 200 ns.*not growing/);
});

test("shootdown: NUMA-aware multicast fastest from 8 cores by a clear margin, or not", () => {
  const figure = (numa8: number, numa16: number): ShootdownFigure => ({
    machine: "amd-8x4",
    results: [
      { protocol: "shared-memory", cores: 8, latencyCycles: 9_000 },
      { protocol: "multicast", cores: 8, latencyCycles: 5_000 },
      { protocol: "numa-multicast", cores: 8, latencyCycles: numa8 },
      { protocol: "shared-memory", cores: 16, latencyCycles: 12_000 },
      { protocol: "multicast", cores: 16, latencyCycles: 6_000 },
      { protocol: "numa-multicast", cores: 16, latencyCycles: numa16 },
    ],
  });
  assert.equal(shootdownVerdicts(figure(4_500, 5_000))[3]!.status, "reproduced");
  const close = shootdownVerdicts(figure(4_900, 5_000))[3]!;
  assert.equal(close.status, "not reproduced");
  assert.match(close.reason, /8: 2\.0 %/);
});

/** A shootdown figure from latencies per core count: [shared-memory, broadcast, unicast, multicast]. */
function shootdown(rows: Record<number, readonly [number, number, number, number]>): ShootdownFigure {
  const protocols = ["shared-memory", "broadcast", "unicast", "multicast"] as const;
  return {
    machine: "amd-8x4",
    results: Object.entries(rows).flatMap(([cores, latencies]) =>
      protocols.map((protocol, i) => ({ protocol, cores: Number(cores), latencyCycles: latencies[i]! })),
    ),
  };
}

test("shootdown: the paper's shape is reproduced; a flat start, a late crossover and another ranking are not", () => {
  const paperLike = shootdownVerdicts(
    shootdown({
      2: [1_000, 4_000, 4_000, 4_000],
      4: [3_000, 3_500, 3_400, 2_900],
      16: [9_000, 8_000, 7_000, 4_000],
    }),
  );
  assert.deepEqual(
    paperLike.map((v) => v.status),
    ["reproduced", "reproduced", "reproduced", "not measured"],
  );
  assert.match(paperLike[1]!.reason, /from 4 cores on .* by 100 cycles there and 5,000 at 16 cores/);
  const unlike = shootdownVerdicts(
    shootdown({
      2: [1_000, 1_002, 1_002, 1_002],
      10: [5_000, 6_000, 5_500, 5_100],
      16: [9_000, 7_000, 8_000, 4_000],
    }),
  );
  assert.deepEqual(
    unlike.map((v) => v.status),
    ["not reproduced", "not reproduced", "not reproduced", "not measured"],
  );
  assert.match(unlike[0]!.reason, /costs 2 cycles more than shared-memory \(1,000\), against at least 2,000/);
  assert.match(unlike[1]!.reason, /from 16 cores on/);
  assert.match(unlike[2]!.reason, /slowest unicast/);
});

test("shootdown: a tie for slowest within 1 % counts broadcast among the slowest", () => {
  const tie = shootdownVerdicts(
    shootdown({ 2: [1_000, 4_000, 4_000, 4_000], 16: [9_000, 8_000, 8_010, 4_000] }),
  );
  assert.equal(tie[2]!.status, "reproduced");
  assert.match(tie[2]!.reason, /slowest broadcast and unicast .*a tie/);
});

test("Table 2: rows within 10 % are reproduced, a row outside is named", () => {
  const table = (latencyCycles: number): UrpcTableFigure => ({
    machine: "amd-2x2",
    description: "",
    clockGHz: 2.8,
    rows: [
      {
        path: "same-die",
        cores: [0, 1],
        latencyCycles,
        msgsPerKcycle: 3.42,
        paperLatencyCycles: 450,
        paperMsgsPerKcycle: 3.42,
      },
    ],
  });
  assert.equal(urpcTableVerdict(table(460)).status, "reproduced");
  const off = urpcTableVerdict(table(600));
  assert.equal(off.status, "not reproduced");
  assert.match(off.reason, /same-die latency 600\.0 against 450/);
});
