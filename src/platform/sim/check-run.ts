// The randomised checker behind `multikernel sim --seeds A..B --check`, in the manner of
// TigerBeetle's VOPR: each seed picks, from its own seeded generator, a machine (the paper's four
// and a larger one), a random subset of its cores, a scenario with random parameters, whether the
// monitors run the failure detector, and random faults that the scenario tolerates; then it runs
// the scenario with every checker on (scenarios/scenario.ts lists them) and reports the seeds whose
// runs broke an invariant, each with the command that replays it.
//
// Tolerated faults: message delays and slow cores of any size; stalls shorter than half the
// failure detector's timeout (a longer stall is, correctly, a suspected crash); and at most one
// crash, only where the scenario's protocol is specified to survive it: pingpong between monitors
// (the pinger gives up its rounds when its detector declares the ponger failed); pingpong through
// a domain, when a core other than the server's and the name server's crashes (an RPC to a
// crashed server has no failure path here); shootdown (operations reject with "peer-failed" once
// the failure is detected); and replicated, any core (a failed replica leaves the object and the
// updates waiting for it complete on the live ones; a failed home makes the object failed, and
// every update of a live core then rejects "failed" naming it: an answer, so a completion). Never
// boot (it waits for every core). With a crash the run checks that every live core detects it
// and that every request of a live core still completes (scenarios/scenario.ts).

// A case is a pure function of its seed, so `--seeds 17..17 --check` replays seed 17; the explicit
// command printed beside it (`sim --run … --seed …` with the same cores, parameters and faults)
// gives the same run, trace and all.

import { describeThrown } from "../../cpu-driver/describe-thrown.js";
import { heartbeatIntervalNs, heartbeatMissesMax, simCheckCoresMax } from "../../limits.js";
import type { Fault } from "./faults.js";
import { loadMachine, type Machine } from "./machine.js";
import { Prng } from "./prng.js";
import {
  makeScenario,
  runScenario,
  type ScenarioName,
  type ScenarioParams,
  type ScenarioResult,
} from "./scenarios/index.js";

/** The machines a check draws from: the paper's four, and a larger one. */
export const checkMachines: readonly string[] = ["intel-2x4", "amd-2x2", "amd-4x4", "amd-8x4", "amd-8x8"];

/** One randomised run, as drawn from a seed. */
export interface CheckCase {
  readonly seed: number;
  readonly machine: string;
  readonly cores: readonly number[];
  readonly scenario: ScenarioName;
  readonly params: ScenarioParams;
  readonly liveness: boolean;
  readonly faults: readonly Fault[];
}

export interface CheckFailure {
  readonly seed: number;
  readonly violations: readonly string[];
  /** Replays exactly this seed's case. */
  readonly replay: string;
  /** The same run spelt out with `sim --run`. */
  readonly command: string;
}

export interface CheckSummary {
  readonly seeds: number;
  readonly passed: number;
  readonly failures: readonly CheckFailure[];
  /** Runs per scenario, and how many had faults of each kind. */
  readonly scenarios: Record<string, number>;
  readonly faults: Record<string, number>;
}

const machineCache = new Map<string, Machine>();

function machineNamed(name: string): Machine {
  let machine = machineCache.get(name);
  if (machine === undefined) {
    machine = loadMachine(name);
    machineCache.set(name, machine);
  }
  return machine;
}

/** The case a seed stands for (pure: the same seed, the same case). */
export function checkCaseOf(seed: number): CheckCase {
  const random = new Prng(seed).fork(0x5eed);
  const int = (lo: number, hi: number): number => lo + Math.floor(random.next() * (hi - lo + 1));
  const chance = (p: number): boolean => random.next() < p;
  const machineName = checkMachines[int(0, checkMachines.length - 1)]!;
  const machine = machineNamed(machineName);
  const all = machine.cores.map((c) => c.id);
  const count = int(2, Math.min(all.length, simCheckCoresMax));
  const cores = random
    .shuffle([...all])
    .slice(0, count)
    .sort((a, b) => a - b);
  const scenarios: readonly ScenarioName[] = ["boot", "pingpong", "replicated", "shootdown"];
  const scenario = scenarios[int(0, scenarios.length - 1)]!;
  const pick = (): number => cores[int(0, cores.length - 1)]!;
  let params: ScenarioParams;
  if (scenario === "boot") params = { probeRounds: int(1, 3), probeWarmupRounds: int(0, 1) };
  else if (scenario === "pingpong") {
    const a = pick();
    let b = pick();
    while (b === a) b = pick();
    params = { pair: [a, b], rounds: int(1, 40), ...(chance(0.3) ? { domain: true } : {}) };
  } else if (scenario === "shootdown") {
    const protocols = ["broadcast", "unicast", "multicast", "numa-multicast"] as const;
    params = { protocol: protocols[int(0, 3)]!, pages: int(1, 6) };
  } else {
    const modes = ["one-phase", "two-phase", "mixed"] as const;
    params = { updatesPerCore: int(1, 6), mode: modes[int(0, 2)]! };
  }
  const faults: Fault[] = [];
  const cyclesPerNs = machine.clockGHz;
  const stallCyclesMax = Math.floor((heartbeatIntervalNs * heartbeatMissesMax * cyclesPerNs) / 2);
  if (chance(0.3)) {
    faults.push({
      kind: "delay",
      probability: Math.round(random.next() * 30) / 100,
      extraCycles: int(100, 20_000),
      ...(chance(0.5) ? { toCore: pick() } : {}),
    });
  }
  if (chance(0.3)) faults.push({ kind: "slow", core: pick(), factor: int(2, 8) });
  if (chance(0.3)) {
    const fromCycles = int(0, 200_000);
    faults.push({
      kind: "stall",
      core: pick(),
      fromCycles,
      toCycles: fromCycles + int(1_000, stallCyclesMax),
    });
  }
  const crashable = crashCandidates(scenario, params, cores);
  if (crashable.length > 0 && chance(0.25)) {
    faults.push({
      kind: "crash",
      core: crashable[int(0, crashable.length - 1)]!,
      atCycles: int(0, 100_000),
    });
  }
  const liveness = faults.some((f) => f.kind === "crash") || chance(0.5);
  return { seed, machine: machineName, cores, scenario, params, liveness, faults };
}

/** The cores whose crash a scenario's protocol is specified to survive (see the file comment). */
function crashCandidates(
  scenario: ScenarioName,
  params: ScenarioParams,
  cores: readonly number[],
): readonly number[] {
  if (scenario === "shootdown" || scenario === "replicated") return cores;
  if (scenario !== "pingpong") return [];
  if (params.domain !== true) return cores;
  // Through a domain: neither the server's core (pair[0]) nor the name server's (the lowest).
  return cores.filter((core) => core !== params.pair?.[0] && core !== cores[0]);
}

/** Runs one case with every checker. */
export function runCheckCase(c: CheckCase, trace = false): Promise<ScenarioResult> {
  return runScenario(makeScenario(c.scenario, c.params, c.cores), {
    machine: machineNamed(c.machine),
    seed: c.seed,
    cores: c.cores,
    faults: c.faults,
    liveness: c.liveness,
    trace,
  });
}

/** The `sim --run` command that gives the same run as the case. */
export function commandOf(c: CheckCase): string {
  const args = [
    "npx multikernel sim",
    `--machine ${c.machine}`,
    `--seed ${c.seed}`,
    `--run ${c.scenario}`,
    `--core-list ${c.cores.join(",")}`,
  ];
  const p = c.params;
  if (p.probe === false) args.push("--no-probe");
  if (p.probeRounds !== undefined) args.push(`--probe-rounds ${p.probeRounds}`);
  if (p.probeWarmupRounds !== undefined) args.push(`--probe-warmup ${p.probeWarmupRounds}`);
  if (p.pair !== undefined) args.push(`--pair ${p.pair[0]},${p.pair[1]}`);
  if (p.rounds !== undefined) args.push(`--rounds ${p.rounds}`);
  if (p.protocol !== undefined) args.push(`--protocol ${p.protocol}`);
  if (p.pages !== undefined) args.push(`--pages ${p.pages}`);
  if (p.domain === true) args.push("--domain");
  if (p.updatesPerCore !== undefined) args.push(`--updates ${p.updatesPerCore}`);
  if (p.mode !== undefined) args.push(`--mode ${p.mode}`);
  if (c.liveness) args.push("--liveness");
  for (const f of c.faults) args.push(faultArgument(f));
  args.push("--check");
  return args.join(" ");
}

/** A fault as the `sim` command's flag that makes it. */
export function faultArgument(f: Fault): string {
  switch (f.kind) {
    case "crash":
      return `--crash ${f.core}@${f.atCycles}`;
    case "stall":
      return `--stall ${f.core}@${f.fromCycles}-${f.toCycles}`;
    case "slow":
      return `--slow ${f.core}:${f.factor ?? ""}`;
    case "delay": {
      const base = `--delay ${f.probability}:${f.extraCycles ?? ""}`;
      if (f.fromCore === undefined && f.toCore === undefined) return base;
      return `${base}:${f.fromCore ?? "*"}>${f.toCore ?? "*"}`;
    }
  }
}

/** Checks seeds `first` to `last` (inclusive); calls `onResult` after each. */
export async function checkSeeds(
  first: number,
  last: number,
  onResult?: (c: CheckCase, result: ScenarioResult) => void,
): Promise<CheckSummary> {
  const failures: CheckFailure[] = [];
  const scenarios: Record<string, number> = {};
  const faults: Record<string, number> = {};
  for (let seed = first; seed <= last; seed++) {
    const c = checkCaseOf(seed);
    scenarios[c.scenario] = (scenarios[c.scenario] ?? 0) + 1;
    for (const f of c.faults) faults[f.kind] = (faults[f.kind] ?? 0) + 1;
    let result: ScenarioResult;
    try {
      result = await runCheckCase(c);
    } catch (error) {
      failures.push({
        seed,
        violations: [`run threw: ${describeThrown(error)}`],
        replay: `npx multikernel sim --seeds ${seed}..${seed} --check`,
        command: commandOf(c),
      });
      continue;
    }
    onResult?.(c, result);
    if (result.violations.length > 0) {
      failures.push({
        seed,
        violations: result.violations,
        replay: `npx multikernel sim --seeds ${seed}..${seed} --check`,
        command: commandOf(c),
      });
    }
  }
  const seeds = last - first + 1;
  return { seeds, passed: seeds - failures.length, failures, scenarios, faults };
}
