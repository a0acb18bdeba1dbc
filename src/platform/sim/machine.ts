// A simulated machine: cores, packages, shared caches, the interconnect, and URPC costs per path.
//
// A machine is described by a topology file in machines/ (see docs/simulator.md for the schema):
// packages with their cores (a count or explicit core ids, each core with a relative speed),
// which cores share which cache, the links between packages (hop counts are derived by breadth-
// first search over them), the clock rate, and the measured URPC cost of each *path class* — the
// one-way latency in cycles and the streaming throughput in messages per kilocycle, which is what
// the paper's Table 2 reports and what the SKB measures on a real host. The cost model
// (cost-model.ts) solves its cache-line parameters from those two numbers per class.
//
// Path classes, from nearest to farthest: "same-core"; "shared" (the two cores share a cache);
// "same-package" (same package, no shared cache); "hop-N" (packages N links apart). Each class a
// machine has needs a calibration entry, except that hop classes beyond the last listed one are
// extrapolated linearly from the last two (or repeat the only one); a file can also borrow the
// whole table from another machine (`"pathsFrom": "amd-8x4"`), which is how the larger machines
// follow from the paper's calibration instead of inventing numbers of their own.
//
// Every error names the file, the line and the field path, e.g.
//   machines/x.json:7: packages[2].cores: expected a positive integer, got -1

import { readdirSync } from "node:fs";
import { basename, isAbsolute, join, relative } from "node:path";
import { simCoresMax, simMachineFileBytesMax, simPackagesMax } from "../../limits.js";
import { FileRefusedError, readRegularFileBounded } from "./bounded-file.js";
import { parseJsonWithLines } from "./json-lines.js";
import { machinesDir } from "./machines-dir.js";

/** Structural class of a core pair: "same-core", "shared", "same-package" or "hop-N". */
export type PathClass = string;

/** What a path class costs for URPC, as measured (or as the paper's Table 2 gives it). */
export interface PathCalibration {
  /** The class's display name, e.g. the paper's "non-shared" for Intel's same-package pairs. */
  readonly name: string;
  /** One-way latency of a one-line message, ping-pong, in cycles. */
  readonly latencyCycles: number;
  /** Streaming throughput of one-line messages, in messages per 1000 cycles. */
  readonly msgsPerKcycle: number;
  /** True when the numbers were extrapolated from farther-hop entries, not given. */
  readonly extrapolated: boolean;
}

export interface MachineCore {
  readonly id: number;
  readonly packageId: number;
  /** Relative speed: handler costs are divided by it (1 = nominal, 0.5 = half as fast). */
  readonly speed: number;
}

export interface SharedCache {
  readonly level: number;
  /** Groups of cores that share one instance of this cache, each ascending. */
  readonly groups: readonly (readonly number[])[];
}

export interface Machine {
  readonly name: string;
  readonly description: string;
  readonly clockGHz: number;
  /** File it was loaded from, or null when built in code. */
  readonly sourceFile: string | null;
  readonly cores: readonly MachineCore[];
  /** Core ids of each package, ascending. */
  readonly packages: readonly (readonly number[])[];
  readonly caches: readonly SharedCache[];
  /** Links between packages (package ids). */
  readonly links: readonly (readonly [number, number])[];
  /** Interconnect hops between packages, by BFS over the links. */
  readonly packageHops: readonly (readonly number[])[];
  /** Calibration per path class present on this machine (never "same-core"). */
  readonly paths: ReadonlyMap<PathClass, PathCalibration>;
  /** True when the path numbers are the paper's Table 2 (so urpc-table reports the paper's values). */
  readonly paperCalibration: boolean;
  /**
   * Cycles of one same-core LRPC (the paper's Table 1), what a domain pays to call its monitor and
   * the monitor to answer; null when the file gives none (the monitor path is then not charged).
   */
  readonly lrpcCycles: number | null;
  /** Every path class present, in order of distance; `classIndex` indexes this. */
  readonly classes: readonly PathClass[];
  /** classes[classIndex[a * coreCount + b]] is the class of the pair (a, b). */
  readonly classIndex: Uint8Array;
}

/** The class of the pair (a, b). */
export function pathClassOf(machine: Machine, a: number, b: number): PathClass {
  const n = machine.cores.length;
  return machine.classes[machine.classIndex[a * n + b]!]!;
}

// ---- The spec: the file's shape, also what code builds a machine from --------------------------

export interface PackageSpec {
  /** Number of cores (numbered on from the previous package) or explicit core ids. */
  readonly cores: number | readonly number[];
  /** Speed of every core of the package (default 1). */
  readonly speed?: number;
  /** Speed per core of the package, overriding `speed`. */
  readonly speeds?: readonly number[];
}

export interface CacheSpec {
  readonly level: number;
  /** "package": one per package; "core": private; a number: groups of that many consecutive cores of a package; or explicit groups. */
  readonly shared: "package" | "core" | number | readonly (readonly number[])[];
}

export interface PathSpec {
  readonly name?: string;
  readonly latencyCycles: number;
  readonly msgsPerKcycle: number;
}

export interface MachineSpec {
  readonly name: string;
  readonly description?: string;
  readonly clockGHz: number;
  readonly packages: readonly PackageSpec[];
  readonly caches?: readonly CacheSpec[];
  /** Package pairs joined by a link, or "all" for a fully connected interconnect. */
  readonly links?: "all" | readonly (readonly [number, number])[];
  readonly paths?: Readonly<Record<string, PathSpec>>;
  /** Borrow `paths` (and `paperCalibration` false) from another machine file. */
  readonly pathsFrom?: string;
  readonly paperCalibration?: boolean;
  /** Table 1's same-core LRPC latency in cycles (borrowed with `pathsFrom` when absent). */
  readonly lrpcCycles?: number;
}

/** A machine-file error: names the file, the line and the field. */
export class MachineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MachineError";
  }
}

class Fields {
  constructor(
    readonly file: string,
    readonly lines: ReadonlyMap<string, number>,
  ) {}
  fail(path: string, message: string): never {
    let line: number | undefined;
    for (let p = path; line === undefined; ) {
      line = this.lines.get(p);
      if (p === "") break;
      const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
      p = cut < 0 ? "" : p.slice(0, cut);
    }
    const where = line === undefined ? this.file : `${this.file}:${line}`;
    throw new MachineError(`${where}: ${path === "" ? "(root)" : path}: ${message}`);
  }
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function positiveInt(f: Fields, path: string, value: unknown, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    f.fail(path, `expected a positive integer, got ${show(value)}`);
  }
  if ((value as number) > max) f.fail(path, `at most ${max}, got ${show(value)}`);
  return value as number;
}

function positiveNumber(f: Fields, path: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    f.fail(path, `expected a positive number, got ${show(value)}`);
  }
  return value as number;
}

function coreIdList(f: Fields, path: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0)
    f.fail(path, `expected a non-empty list of core ids, got ${show(value)}`);
  return (value as unknown[]).map((v, i) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      f.fail(`${path}[${i}]`, `expected a core id (an integer >= 0), got ${show(v)}`);
    }
    return v as number;
  });
}

function checkKeys(
  f: Fields,
  path: string,
  value: Record<string, unknown>,
  allowed: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      f.fail(path === "" ? key : `${path}.${key}`, `unknown field (expected one of ${allowed.join(", ")})`);
    }
  }
}

/** Checks a parsed file against the schema and returns it typed; `f` names fields in errors. */
function validateSpec(f: Fields, raw: unknown): MachineSpec {
  if (!isRecord(raw)) f.fail("", `expected an object, got ${show(raw)}`);
  const obj = raw as Record<string, unknown>;
  const topKeys = [
    "name",
    "description",
    "clockGHz",
    "packages",
    "caches",
    "links",
    "paths",
    "pathsFrom",
    "paperCalibration",
    "lrpcCycles",
  ];
  checkKeys(f, "", obj, topKeys);
  if (obj.lrpcCycles !== undefined) positiveNumber(f, "lrpcCycles", obj.lrpcCycles);
  if (typeof obj.name !== "string" || !/^[a-z0-9][a-z0-9._-]*$/.test(obj.name)) {
    f.fail("name", `expected a lower-case name of letters, digits, '.', '_' or '-', got ${show(obj.name)}`);
  }
  if (obj.description !== undefined && typeof obj.description !== "string") {
    f.fail("description", `expected a string, got ${show(obj.description)}`);
  }
  positiveNumber(f, "clockGHz", obj.clockGHz);
  if (!Array.isArray(obj.packages) || obj.packages.length === 0) {
    f.fail("packages", `expected a non-empty list of packages, got ${show(obj.packages)}`);
  }
  const packages = obj.packages as unknown[];
  if (packages.length > simPackagesMax)
    f.fail("packages", `at most ${simPackagesMax} packages, got ${packages.length}`);
  packages.forEach((p, i) => {
    const path = `packages[${i}]`;
    if (!isRecord(p)) f.fail(path, `expected an object like {"cores": 4}, got ${show(p)}`);
    const pkg = p as Record<string, unknown>;
    checkKeys(f, path, pkg, ["cores", "speed", "speeds"]);
    const count =
      typeof pkg.cores === "number" || !Array.isArray(pkg.cores)
        ? positiveInt(f, `${path}.cores`, pkg.cores, simCoresMax)
        : coreIdList(f, `${path}.cores`, pkg.cores).length;
    if (pkg.speed !== undefined) positiveNumber(f, `${path}.speed`, pkg.speed);
    if (pkg.speeds !== undefined) {
      if (!Array.isArray(pkg.speeds) || pkg.speeds.length !== count) {
        f.fail(`${path}.speeds`, `expected a list of ${count} speeds, got ${show(pkg.speeds)}`);
      }
      (pkg.speeds as unknown[]).forEach((s, j) => {
        positiveNumber(f, `${path}.speeds[${j}]`, s);
      });
    }
  });
  if (obj.caches !== undefined) {
    if (!Array.isArray(obj.caches)) f.fail("caches", `expected a list, got ${show(obj.caches)}`);
    (obj.caches as unknown[]).forEach((c, i) => {
      const path = `caches[${i}]`;
      if (!isRecord(c))
        f.fail(path, `expected an object like {"level": 3, "shared": "package"}, got ${show(c)}`);
      const cache = c as Record<string, unknown>;
      checkKeys(f, path, cache, ["level", "shared"]);
      positiveInt(f, `${path}.level`, cache.level, 8);
      const shared = cache.shared;
      if (shared === "package" || shared === "core") return;
      if (typeof shared === "number") positiveInt(f, `${path}.shared`, shared, simCoresMax);
      else if (Array.isArray(shared)) {
        shared.forEach((g, j) => {
          coreIdList(f, `${path}.shared[${j}]`, g);
        });
      } else
        f.fail(
          `${path}.shared`,
          `expected "package", "core", a group size or a list of core groups, got ${show(shared)}`,
        );
    });
  }
  if (obj.links !== undefined && obj.links !== "all") {
    if (!Array.isArray(obj.links))
      f.fail("links", `expected a list of [package, package] pairs or "all", got ${show(obj.links)}`);
    (obj.links as unknown[]).forEach((l, i) => {
      if (
        !Array.isArray(l) ||
        l.length !== 2 ||
        !l.every((x) => typeof x === "number" && Number.isInteger(x) && x >= 0 && x < packages.length) ||
        l[0] === l[1]
      ) {
        f.fail(
          `links[${i}]`,
          `expected a pair of two different package ids below ${packages.length}, got ${show(l)}`,
        );
      }
    });
  }
  if ((obj.paths !== undefined) === (obj.pathsFrom !== undefined)) {
    f.fail(
      obj.paths === undefined ? "paths" : "pathsFrom",
      `expected exactly one of "paths" and "pathsFrom"`,
    );
  }
  if (obj.pathsFrom !== undefined && (typeof obj.pathsFrom !== "string" || obj.pathsFrom === obj.name)) {
    f.fail("pathsFrom", `expected the name of another machine, got ${show(obj.pathsFrom)}`);
  }
  if (obj.paths !== undefined) {
    if (!isRecord(obj.paths))
      f.fail("paths", `expected an object keyed by path class, got ${show(obj.paths)}`);
    for (const [key, value] of Object.entries(obj.paths as Record<string, unknown>)) {
      const path = `paths.${key}`;
      if (!/^(shared|same-package|hop-[1-9][0-9]?)$/.test(key)) {
        f.fail(path, `unknown path class (expected "shared", "same-package" or "hop-N")`);
      }
      if (!isRecord(value))
        f.fail(path, `expected {"latencyCycles": ..., "msgsPerKcycle": ...}, got ${show(value)}`);
      const entry = value as Record<string, unknown>;
      checkKeys(f, path, entry, ["name", "latencyCycles", "msgsPerKcycle"]);
      if (entry.name !== undefined && typeof entry.name !== "string")
        f.fail(`${path}.name`, `expected a string, got ${show(entry.name)}`);
      positiveNumber(f, `${path}.latencyCycles`, entry.latencyCycles);
      positiveNumber(f, `${path}.msgsPerKcycle`, entry.msgsPerKcycle);
    }
  }
  if (obj.paperCalibration !== undefined && typeof obj.paperCalibration !== "boolean") {
    f.fail("paperCalibration", `expected true or false, got ${show(obj.paperCalibration)}`);
  }
  return obj as unknown as MachineSpec;
}

// ---- Building ------------------------------------------------------------------------------------

/** Builds a machine from a spec (checked); `file` names it in errors. */
export function buildMachine(
  spec: MachineSpec,
  file = `machine ${spec.name}`,
  lines: ReadonlyMap<string, number> = new Map(),
): Machine {
  const f = new Fields(file, lines);
  validateSpec(f, spec);
  const { paths, paperCalibration, lrpcCycles } = pathsOf(f, spec);
  const { cores, packages } = buildCores(f, spec);
  const caches = buildCaches(f, spec, cores, packages);
  const links = buildLinks(spec, packages.length);
  const packageHops = hopsBetweenPackages(f, packages.length, links);
  const { classes, classIndex } = classifyPairs(cores, caches, packageHops);
  return {
    name: spec.name,
    description: spec.description ?? "",
    clockGHz: spec.clockGHz,
    sourceFile: lines.size > 0 ? file : null,
    cores,
    packages,
    caches,
    links,
    packageHops,
    paths: calibrate(f, spec, classes, paths ?? {}),
    paperCalibration,
    lrpcCycles,
    classes,
    classIndex,
  };
}

/**
 * The spec's path calibration and LRPC cost, or those it borrows (`pathsFrom`, never the paper's
 * calibration then; its own `lrpcCycles` wins over the borrowed one).
 */
function pathsOf(
  f: Fields,
  spec: MachineSpec,
): { paths: MachineSpec["paths"]; paperCalibration: boolean; lrpcCycles: number | null } {
  if (spec.pathsFrom === undefined)
    return {
      paths: spec.paths,
      paperCalibration: spec.paperCalibration ?? false,
      lrpcCycles: spec.lrpcCycles ?? null,
    };
  const borrowed = loadMachineSpec(spec.pathsFrom, f, "pathsFrom").spec;
  if (borrowed.paths === undefined)
    f.fail("pathsFrom", `machine "${spec.pathsFrom}" borrows its paths itself; name the original`);
  return {
    paths: borrowed.paths,
    paperCalibration: false,
    lrpcCycles: spec.lrpcCycles ?? borrowed.lrpcCycles ?? null,
  };
}

/** Cores, numbered on from package to package unless given explicitly; each package's ids ascending. */
function buildCores(f: Fields, spec: MachineSpec): { cores: MachineCore[]; packages: number[][] } {
  const cores: MachineCore[] = [];
  const packages: number[][] = [];
  let nextId = 0;
  spec.packages.forEach((p, i) => {
    const ids =
      typeof p.cores === "number" ? Array.from({ length: p.cores }, (_, j) => nextId + j) : [...p.cores];
    nextId = Math.max(nextId, ...ids.map((x) => x + 1));
    ids.forEach((id, j) => {
      const seen = cores[id];
      if (seen !== undefined)
        f.fail(`packages[${i}].cores`, `core ${id} is already in package ${seen.packageId}`);
      cores[id] = { id, packageId: i, speed: p.speeds?.[j] ?? p.speed ?? 1 };
    });
    packages.push([...ids].sort((a, b) => a - b));
  });
  const coreCount = cores.length;
  if (coreCount > simCoresMax) f.fail("packages", `at most ${simCoresMax} cores, got ${coreCount}`);
  if (coreCount < 2) f.fail("packages", `a machine needs at least two cores, got ${coreCount}`);
  for (let id = 0; id < coreCount; id++) {
    if (cores[id] === undefined)
      f.fail("packages", `core ids must be 0..${coreCount - 1} without gaps; ${id} is missing`);
  }
  return { cores, packages };
}

/** Shared caches: groups of cores, each inside one package. */
function buildCaches(
  f: Fields,
  spec: MachineSpec,
  cores: readonly MachineCore[],
  packages: readonly (readonly number[])[],
): SharedCache[] {
  return (spec.caches ?? []).map((c, i) => {
    const path = `caches[${i}].shared`;
    const shared = c.shared;
    let groups: number[][];
    if (shared === "package") groups = packages.map((p) => [...p]);
    else if (shared === "core") groups = cores.map((core) => [core.id]);
    else if (typeof shared === "number") groups = groupsOfSize(f, path, packages, shared);
    else groups = explicitGroups(f, path, shared, cores.length);
    return { level: c.level, groups };
  });
}

/** Groups of `size` consecutive cores of each package (which must divide by it). */
function groupsOfSize(
  f: Fields,
  path: string,
  packages: readonly (readonly number[])[],
  size: number,
): number[][] {
  const groups: number[][] = [];
  packages.forEach((p, pi) => {
    if (p.length % size !== 0) f.fail(path, `package ${pi} has ${p.length} cores, not a multiple of ${size}`);
    for (let j = 0; j < p.length; j += size) groups.push(p.slice(j, j + size));
  });
  return groups;
}

/** Groups given core by core: each ascending, of existing cores, no core in two. */
function explicitGroups(
  f: Fields,
  path: string,
  shared: readonly (readonly number[])[],
  coreCount: number,
): number[][] {
  const groups = shared.map((g) => [...g].sort((a, b) => a - b));
  const seen = new Set<number>();
  groups.forEach((g, j) => {
    for (const id of g) {
      if (id >= coreCount)
        f.fail(`${path}[${j}]`, `core ${id} does not exist (the machine has ${coreCount})`);
      if (seen.has(id)) f.fail(`${path}[${j}]`, `core ${id} is in two groups of the same cache`);
      seen.add(id);
    }
  });
  return groups;
}

/** The links between packages: as listed, or every pair for "all". */
function buildLinks(spec: MachineSpec, packageCount: number): [number, number][] {
  const links: [number, number][] = [];
  if (spec.links === "all") {
    for (let a = 0; a < packageCount; a++) for (let b = a + 1; b < packageCount; b++) links.push([a, b]);
  } else for (const [a, b] of spec.links ?? []) links.push([a, b]);
  return links;
}

/** Hops between every two packages: breadth-first search over the links; all must be reachable. */
function hopsBetweenPackages(
  f: Fields,
  packageCount: number,
  links: readonly (readonly [number, number])[],
): number[][] {
  const neighbours: number[][] = Array.from({ length: packageCount }, () => []);
  for (const [a, b] of links) {
    neighbours[a]!.push(b);
    neighbours[b]!.push(a);
  }
  return neighbours.map((_, from) => {
    const hops = new Array<number>(packageCount).fill(-1);
    hops[from] = 0;
    const queue = [from];
    for (let head = 0; head < queue.length; head++) {
      const at = queue[head]!;
      for (const next of neighbours[at]!) {
        if (hops[next] === -1) {
          hops[next] = hops[at]! + 1;
          queue.push(next);
        }
      }
    }
    const unreachable = hops.indexOf(-1);
    if (unreachable >= 0) f.fail("links", `package ${unreachable} cannot be reached from package ${from}`);
    return hops;
  });
}

/** How far a path class is: same-core 0, shared 1, same-package 2, hop-N 2 + N. */
function classDistance(cls: PathClass): number {
  if (cls === "same-core") return 0;
  if (cls === "shared") return 1;
  if (cls === "same-package") return 2;
  return 2 + Number(cls.slice(4));
}

/** The class of every core pair, and the classes present in order of distance. */
function classifyPairs(
  cores: readonly MachineCore[],
  caches: readonly SharedCache[],
  packageHops: readonly (readonly number[])[],
): { classes: PathClass[]; classIndex: Uint8Array } {
  const coreCount = cores.length;
  const sharesCache = (a: number, b: number): boolean =>
    caches.some((c) => c.groups.some((g) => g.length > 1 && g.includes(a) && g.includes(b)));
  const classOf = (a: number, b: number): PathClass => {
    if (a === b) return "same-core";
    if (sharesCache(a, b)) return "shared";
    const pa = cores[a]!.packageId;
    const pb = cores[b]!.packageId;
    return pa === pb ? "same-package" : `hop-${packageHops[pa]![pb]}`;
  };
  // Classes are numbered as first seen, then renumbered in order of distance.
  const seen: PathClass[] = ["same-core"];
  const classIndex = new Uint8Array(coreCount * coreCount);
  for (let a = 0; a < coreCount; a++) {
    for (let b = 0; b < coreCount; b++) {
      const cls = classOf(a, b);
      let index = seen.indexOf(cls);
      if (index < 0) index = seen.push(cls) - 1;
      classIndex[a * coreCount + b] = index;
    }
  }
  const order = seen.map((c, i) => [c, i] as const).sort((x, y) => classDistance(x[0]) - classDistance(y[0]));
  const renumber = new Uint8Array(order.length);
  order.forEach(([, old], i) => {
    renumber[old] = i;
  });
  for (let i = 0; i < classIndex.length; i++) classIndex[i] = renumber[classIndex[i]!]!;
  return { classes: order.map(([c]) => c), classIndex };
}

/** The calibration of every class present (but same-core): given, or extrapolated for far hops. */
function calibrate(
  f: Fields,
  spec: MachineSpec,
  classes: readonly PathClass[],
  given: Readonly<Record<string, PathSpec>>,
): Map<PathClass, PathCalibration> {
  const hopEntries = Object.keys(given)
    .filter((k) => k.startsWith("hop-"))
    .map((k) => Number(k.slice(4)))
    .sort((a, b) => a - b);
  const calibration = new Map<PathClass, PathCalibration>();
  for (const cls of classes) {
    if (cls === "same-core") continue;
    const entry = given[cls];
    if (entry !== undefined) {
      calibration.set(cls, {
        name: entry.name ?? cls,
        latencyCycles: entry.latencyCycles,
        msgsPerKcycle: entry.msgsPerKcycle,
        extrapolated: false,
      });
      continue;
    }
    const where = spec.pathsFrom === undefined ? `paths.${cls}` : "pathsFrom";
    const extrapolated = cls.startsWith("hop-") ? extrapolateHop(cls, given, hopEntries) : null;
    if (extrapolated === null) f.fail(where, `the machine has ${cls} core pairs but no calibration for them`);
    calibration.set(cls, extrapolated);
  }
  return calibration;
}

/**
 * The calibration of hop class `cls`, extrapolated linearly in latency and in cycles per message
 * from the last two hop entries (or repeating the only one); null when there is none to go on, when
 * `cls` is nearer than the last entry, or when the line reaches zero.
 */
function extrapolateHop(
  cls: PathClass,
  given: Readonly<Record<string, PathSpec>>,
  hopEntries: readonly number[],
): PathCalibration | null {
  if (hopEntries.length === 0) return null;
  const hops = Number(cls.slice(4));
  const last = hopEntries[hopEntries.length - 1]!;
  const prev = hopEntries.length > 1 ? hopEntries[hopEntries.length - 2]! : last;
  const e1 = given[`hop-${last}`]!;
  const e0 = given[`hop-${prev}`]!;
  const span = last === prev ? 1 : last - prev;
  const latencyPerHop = last === prev ? 0 : (e1.latencyCycles - e0.latencyCycles) / span;
  const periodPerHop = last === prev ? 0 : (1000 / e1.msgsPerKcycle - 1000 / e0.msgsPerKcycle) / span;
  const latencyCycles = e1.latencyCycles + latencyPerHop * (hops - last);
  const periodCycles = 1000 / e1.msgsPerKcycle + periodPerHop * (hops - last);
  if (hops < last || latencyCycles <= 0 || periodCycles <= 0) return null;
  return { name: cls, latencyCycles, msgsPerKcycle: 1000 / periodCycles, extrapolated: true };
}

/**
 * Builds a machine from measured facts, as the SKB has them on a host: the cores of each package
 * (cores sharing a last-level cache), the package links if known (else fully connected), and the
 * measured URPC latency and throughput per path class.
 */
export function machineFromMeasurements(facts: {
  readonly name: string;
  readonly clockGHz: number;
  readonly packages: readonly (readonly number[])[];
  readonly paths: Readonly<Record<string, PathSpec>>;
  readonly links?: readonly (readonly [number, number])[];
  readonly sharedCachePerPackage?: boolean;
  readonly description?: string;
}): Machine {
  return buildMachine({
    name: facts.name,
    description: facts.description ?? "built from SKB measurements",
    clockGHz: facts.clockGHz,
    packages: facts.packages.map((cores) => ({ cores })),
    caches: facts.sharedCachePerPackage === false ? [] : [{ level: 3, shared: "package" }],
    links: facts.links ?? "all",
    paths: facts.paths,
  });
}

// ---- Files ---------------------------------------------------------------------------------------

function resolveMachineFile(nameOrPath: string): string {
  if (nameOrPath.endsWith(".json") || nameOrPath.includes("/") || isAbsolute(nameOrPath)) return nameOrPath;
  return join(machinesDir(), `${nameOrPath}.json`);
}

function displayPath(file: string): string {
  const rel = relative(join(machinesDir(), ".."), file);
  return rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

function loadMachineSpec(
  nameOrPath: string,
  from?: Fields,
  field?: string,
): { spec: MachineSpec; file: string; lines: ReadonlyMap<string, number> } {
  const file = resolveMachineFile(nameOrPath);
  const shown = displayPath(file);
  let text: string;
  try {
    text = readRegularFileBounded(file, shown, simMachineFileBytesMax);
  } catch (error) {
    if (error instanceof FileRefusedError) throw new MachineError(error.message);
    const known = listMachines().join(", ");
    const message = `no machine "${nameOrPath}" (${shown} cannot be read); known machines: ${known}`;
    if (from !== undefined && field !== undefined) from.fail(field, message);
    throw new MachineError(message);
  }
  let parsed: ReturnType<typeof parseJsonWithLines>;
  try {
    parsed = parseJsonWithLines(text);
  } catch (error) {
    const e = error as { line?: number; message: string };
    throw new MachineError(`${shown}${e.line === undefined ? "" : `:${e.line}`}: invalid JSON: ${e.message}`);
  }
  const f = new Fields(shown, parsed.lines);
  const spec = validateSpec(f, parsed.value);
  const stem = basename(file, ".json");
  if (spec.name !== stem) f.fail("name", `expected "${stem}" (the file's name), got ${show(spec.name)}`);
  return { spec, file: shown, lines: parsed.lines };
}

/** Loads a machine by name (a file in machines/) or by path to a topology file. */
export function loadMachine(nameOrPath: string): Machine {
  const { spec, file, lines } = loadMachineSpec(nameOrPath);
  return buildMachine(spec, file, lines);
}

/** Names of the machines in machines/, sorted. */
export function listMachines(): string[] {
  return readdirSync(machinesDir())
    .filter((name) => name.endsWith(".json"))
    .map((name) => name.slice(0, -".json".length))
    .sort();
}
