// Tests of machine topology files: every file loads, classes and hops are right, bad files are
// refused with an error naming the file, the line and the field.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  buildMachine,
  listMachines,
  loadMachine,
  MachineError,
  machineFromMeasurements,
  pathClassOf,
} from "../../src/platform/sim/machine.js";

test("every machine file loads, with the paper's four and machines of 64 and 256 cores", () => {
  const names = listMachines();
  for (const required of ["intel-2x4", "amd-2x2", "amd-4x4", "amd-8x4", "amd-8x8", "mesh-16x16"]) {
    assert.ok(names.includes(required), `machines/ lacks ${required}`);
  }
  for (const name of names) {
    const m = loadMachine(name);
    assert.equal(m.name, name);
    assert.ok(m.cores.length >= 2);
    for (const cls of m.classes)
      if (cls !== "same-core") assert.ok(m.paths.has(cls), `${name}: ${cls} uncalibrated`);
  }
  assert.equal(loadMachine("amd-8x8").cores.length, 64);
  assert.equal(loadMachine("mesh-16x16").cores.length, 256);
});

test("path classes and hops follow the topology", () => {
  const intel = loadMachine("intel-2x4");
  assert.equal(pathClassOf(intel, 0, 1), "shared");
  assert.equal(pathClassOf(intel, 0, 2), "same-package");
  assert.equal(pathClassOf(intel, 0, 4), "hop-1");
  assert.equal(intel.paths.get("same-package")?.name, "non-shared");
  const amd = loadMachine("amd-4x4");
  assert.equal(pathClassOf(amd, 0, 3), "shared");
  assert.equal(pathClassOf(amd, 0, 4), "hop-1");
  assert.equal(pathClassOf(amd, 0, 12), "hop-2");
  const big = loadMachine("mesh-16x16");
  assert.equal(pathClassOf(big, 0, 255), "hop-6");
  assert.equal(big.paths.get("hop-6")?.extrapolated, true);
  assert.equal(big.paperCalibration, false);
  const hetero = loadMachine("hetero-2x8");
  assert.equal(hetero.cores[0]!.speed, 1);
  assert.equal(hetero.cores[15]!.speed, 0.5);
});

function badFile(text: string, name = "bad"): string {
  const dir = mkdtempSync(join(tmpdir(), "mk-machine-"));
  const file = join(dir, `${name}.json`);
  writeFileSync(file, text);
  return file;
}

const good = {
  name: "bad",
  clockGHz: 2,
  packages: [{ cores: 4 }, { cores: 4 }],
  caches: [{ level: 3, shared: "package" }],
  links: [[0, 1]],
  paths: {
    shared: { latencyCycles: 500, msgsPerKcycle: 3 },
    "hop-1": { latencyCycles: 600, msgsPerKcycle: 3 },
  },
};

test("a bad field is named with its file, line and path", () => {
  const spec = structuredClone(good) as Record<string, unknown>;
  (spec.packages as { cores: number }[])[1]!.cores = -1;
  const file = badFile(JSON.stringify(spec, null, 2));
  assert.throws(
    () => loadMachine(file),
    (e: unknown) =>
      e instanceof MachineError &&
      /bad\.json:\d+: packages\[1\]\.cores: expected a positive integer, got -1/.test(e.message),
  );
});

for (const [what, mutate, pattern] of [
  ["clock", (s: Record<string, unknown>) => (s.clockGHz = "fast"), /clockGHz: expected a positive number/],
  ["unknown field", (s: Record<string, unknown>) => (s.cachez = []), /cachez: unknown field/],
  ["link to nowhere", (s: Record<string, unknown>) => (s.links = [[0, 5]]), /links\[0\]: expected a pair/],
  [
    "unreachable package",
    (s: Record<string, unknown>) => (s.links = []),
    /links: package 1 cannot be reached/,
  ],
  [
    "missing calibration",
    (s: Record<string, unknown>) => (s.paths = { shared: { latencyCycles: 500, msgsPerKcycle: 3 } }),
    /paths\.hop-1: the machine has hop-1 core pairs but no calibration/,
  ],
  ["wrong name", (s: Record<string, unknown>) => (s.name = "other"), /name: expected "bad"/],
  [
    "bad throughput",
    (s: Record<string, unknown>) =>
      ((s.paths as Record<string, Record<string, unknown>>).shared!.msgsPerKcycle = 0),
    /paths\.shared\.msgsPerKcycle: expected a positive number, got 0/,
  ],
] as const) {
  test(`bad topology file: ${what}`, () => {
    const spec = structuredClone(good) as Record<string, unknown>;
    mutate(spec);
    const file = badFile(JSON.stringify(spec, null, 2));
    assert.throws(
      () => loadMachine(file),
      (e: unknown) => e instanceof MachineError && e.message.includes("bad.json") && pattern.test(e.message),
    );
  });
}

test("invalid JSON names the line", () => {
  const file = badFile('{\n  "name": "bad",\n  "clockGHz": 2,,\n}');
  assert.throws(() => loadMachine(file), /bad\.json:3: invalid JSON: line 3/);
});

test("an unknown machine lists the known ones", () => {
  assert.throws(() => loadMachine("no-such-machine"), /no machine "no-such-machine".*amd-8x4/);
});

test("a machine can be built from SKB-style measurements", () => {
  const m = machineFromMeasurements({
    name: "host",
    clockGHz: 3,
    packages: [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ],
    paths: {
      shared: { latencyCycles: 300, msgsPerKcycle: 5 },
      "hop-1": { latencyCycles: 700, msgsPerKcycle: 3 },
    },
  });
  assert.equal(m.cores.length, 8);
  assert.equal(pathClassOf(m, 1, 2), "shared");
  assert.equal(pathClassOf(m, 1, 6), "hop-1");
  assert.throws(() => buildMachine({ ...good, paths: {} } as never), /no calibration/);
});
