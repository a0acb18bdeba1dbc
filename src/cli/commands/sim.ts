// `multikernel sim`: runs the unchanged monitors on a simulated machine, or checks many seeds.
//
//   sim --machine amd-8x4 --seed 7 --run boot|pingpong|replicated|shootdown [--cores N | --core-list LIST] [faults] [--trace FILE] [--json]
//   sim --machine amd-4x4 --program FILE [--cores N | --core-list LIST] [--handler-ms N] [-- ARG…]   a domain program, unchanged
//   sim --seeds 1..1000 --check [--json]
//
// One run prints the scenario's results (boot: the boot time and the SKB built from simulated
// round trips; pingpong: one-way latency in cycles beside the paper's; replicated: what committed
// and whether the replicas agree; shootdown: what the VM checker found; a program: each core's
// exit status), the run's figures, the failures the monitors detected and any
// invariant violation; with --check a violation makes the exit status 1. Faults, each repeatable:
// --crash CORE@CYCLES, --stall CORE@FROM-TO, --slow CORE:FACTOR, --delay P:CYCLES[:FROM>TO] (`*` for
// any core). --seeds runs the randomised checker (src/platform/sim/check-run.ts) and prints each
// failing seed with the commands that replay it. --json prints one object, alone on standard output.
// A program runs in a worker thread under a watchdog (src/platform/sim/program-host.ts): a handler
// that holds the host longer than --handler-ms ends the run; a main that fails (throws, or returns
// a status other than 0) is a violation, and any violation of a program run exits 1, as `run` would.
// A program gets the ARGs after `--` as each core's `ctx.args`, and each core's result (what main
// returned when it is not an exit status) is printed after its status, and is its `value` in the
// JSON's results.exits, as `run` reports it.
import { writeFileSync } from "node:fs";
import { InvalidArgumentError } from "commander";
import { progress } from "../../bench/report.js";
import { resultJson } from "../../domain/run-data.js";
import {
  simCheckSeedsMax,
  simCoresMax,
  simHandlerHostMsDefault,
  simPingPongRoundsMax,
  simReplicatedUpdatesPerCoreMax,
  simScenarioEventsMax,
  simScenarioVirtualNsMax,
} from "../../limits.js";
import { checkProgram } from "../../platform/program/preflight.js";
import { programUrl } from "../../platform/real/domain-host.js";
import {
  checkCaseOf,
  checkSeeds,
  type Fault,
  isScenarioName,
  listMachines,
  loadMachine,
  makeScenario,
  runScenario,
  type ScenarioName,
  type ScenarioParams,
  type ScenarioResult,
  scenarioNames,
} from "../../platform/sim/index.js";
import { runProgramHosted } from "../../platform/sim/program-host.js";
import { integerArgument, outputFileArgument, UsageError } from "../arguments.js";
import { chosenCores, coreCountOption, coreListOption } from "../core-options.js";
import { type CommandOutput, commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

interface SimOptions {
  machine: string;
  seed: number;
  run?: string;
  cores?: number;
  coreList?: readonly number[];
  pair?: readonly [number, number];
  rounds?: number;
  domain: boolean;
  updates?: number;
  mode?: "one-phase" | "two-phase" | "mixed";
  protocol?: "broadcast" | "unicast" | "multicast" | "numa-multicast";
  pages?: number;
  probe: boolean;
  probeRounds?: number;
  probeWarmup?: number;
  liveness: boolean;
  crash: Fault[];
  stall: Fault[];
  slow: Fault[];
  delay: Fault[];
  trace?: string;
  program?: string;
  handlerMs: number;
  json: boolean;
  check: boolean;
  seeds?: readonly [number, number];
  verbose: boolean;
}

const cycles = (text: string, what: string): number => {
  const value = Number(text.replaceAll("_", ""));
  if (!(Number.isFinite(value) && value >= 0))
    throw new InvalidArgumentError(`${what}: '${text}' is not a number of cycles >= 0.`);
  return value;
};
const coreNumber = (text: string, what: string): number => {
  if (!/^\d+$/.test(text)) throw new InvalidArgumentError(`${what}: '${text}' is not a core number.`);
  return Number(text);
};
const collect =
  (parse: (value: string) => Fault) =>
  (value: string, previous: Fault[]): Fault[] => [...previous, parse(value)];

/** --crash CORE@CYCLES */
export function parseCrash(value: string): Fault {
  const m = /^(\d+)@(.+)$/.exec(value);
  if (m === null) throw new InvalidArgumentError(`--crash takes CORE@CYCLES, got '${value}'.`);
  return { kind: "crash", core: coreNumber(m[1]!, "--crash"), atCycles: cycles(m[2]!, "--crash") };
}

/** --stall CORE@FROM-TO */
export function parseStall(value: string): Fault {
  const m = /^(\d+)@([\d_.]+)-([\d_.]+)$/.exec(value);
  if (m === null) throw new InvalidArgumentError(`--stall takes CORE@FROM-TO (cycles), got '${value}'.`);
  return {
    kind: "stall",
    core: coreNumber(m[1]!, "--stall"),
    fromCycles: cycles(m[2]!, "--stall"),
    toCycles: cycles(m[3]!, "--stall"),
  };
}

/** --slow CORE:FACTOR (FACTOR may be empty: the default) */
export function parseSlow(value: string): Fault {
  const m = /^(\d+):([\d.]*)$/.exec(value);
  if (m === null) throw new InvalidArgumentError(`--slow takes CORE:FACTOR, got '${value}'.`);
  const factor = m[2] === "" ? undefined : Number(m[2]);
  return { kind: "slow", core: coreNumber(m[1]!, "--slow"), ...(factor === undefined ? {} : { factor }) };
}

/** --delay P:CYCLES[:FROM>TO] (CYCLES may be empty; FROM or TO may be `*`) */
export function parseDelay(value: string): Fault {
  const m = /^([\d.]+):([\d_.]*)(?::(\d+|\*)>(\d+|\*))?$/.exec(value);
  if (m === null) throw new InvalidArgumentError(`--delay takes P:CYCLES[:FROM>TO], got '${value}'.`);
  const probability = Number(m[1]);
  return {
    kind: "delay",
    probability,
    ...(m[2] === "" ? {} : { extraCycles: cycles(m[2]!, "--delay") }),
    ...(m[3] === undefined || m[3] === "*" ? {} : { fromCore: Number(m[3]) }),
    ...(m[4] === undefined || m[4] === "*" ? {} : { toCore: Number(m[4]) }),
  };
}

function seedRange(value: string): readonly [number, number] {
  const m = /^(\d+)(?:\.\.(\d+))?$/.exec(value);
  const first = m === null ? Number.NaN : Number(m[1]);
  const last = m === null ? Number.NaN : Number(m[2] ?? m[1]);
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(last) && last >= first))
    throw new InvalidArgumentError(`--seeds takes A..B with A <= B, got '${value}'.`);
  if (last - first + 1 > simCheckSeedsMax)
    throw new InvalidArgumentError(
      `--seeds covers at most ${simCheckSeedsMax} seeds, got ${last - first + 1}.`,
    );
  return [first, last];
}

function pairArgument(value: string): readonly [number, number] {
  const m = /^(\d+),(\d+)$/.exec(value);
  if (m === null) throw new InvalidArgumentError(`--pair takes A,B, got '${value}'.`);
  return [Number(m[1]), Number(m[2])];
}

export const registerSim: Registration = ({ program }) => {
  program
    .command("sim")
    .description(
      `Run a scenario (${scenarioNames.join(", ")}) of the unchanged monitors on a simulated machine, or check many random seeds.`,
    )
    .option(
      "--machine <name>",
      `simulated machine: ${listMachines().join(", ")}, or a machine file (.json)`,
      "amd-8x4",
    )
    .option("--seed <n>", "the run's seed", integerArgument("--seed", 0, 2 ** 32 - 1), 1)
    .option("--run <scenario>", `scenario to run: ${scenarioNames.join(", ")}`)
    .addOption(coreCountOption(simCoresMax, "run on cores 0..N-1 (default every core)"))
    .addOption(coreListOption(simCoresMax, "the cores to run on, e.g. 0-7,12"))
    .option("--pair <a,b>", "pingpong: the two cores (default the first and last)", pairArgument)
    .option("--rounds <n>", "pingpong: round trips", integerArgument("--rounds", 1, simPingPongRoundsMax))
    .option(
      "--domain",
      "pingpong: through a domain's RPC between two dispatchers, not between monitors",
      false,
    )
    .option(
      "--updates <n>",
      "replicated: updates per core",
      integerArgument("--updates", 1, simReplicatedUpdatesPerCoreMax),
    )
    .option("--mode <mode>", "replicated: one-phase, two-phase or mixed")
    .option("--protocol <name>", "shootdown: broadcast, unicast, multicast or numa-multicast")
    .option("--pages <n>", "shootdown: pages mapped at the start", integerArgument("--pages", 1, 1024))
    .option("--no-probe", "boot: skip the SKB's latency probe")
    .option(
      "--probe-rounds <n>",
      "boot: timed round trips per pair",
      integerArgument("--probe-rounds", 1, 1000),
    )
    .option(
      "--probe-warmup <n>",
      "boot: untimed round trips per pair",
      integerArgument("--probe-warmup", 0, 1000),
    )
    .option(
      "--liveness",
      "heartbeats and failure detection on every monitor (on whenever a core crashes)",
      false,
    )
    .option("--crash <core@cycles>", "crash-stop CORE at CYCLES (repeatable)", collect(parseCrash), [])
    .option(
      "--stall <core@from-to>",
      "CORE runs nothing from FROM to TO cycles (repeatable)",
      collect(parseStall),
      [],
    )
    .option(
      "--slow <core:factor>",
      "CORE's handlers cost FACTOR times more (repeatable)",
      collect(parseSlow),
      [],
    )
    .option(
      "--delay <p:cycles[:from>to]>",
      "delay a message by CYCLES with probability P, optionally only FROM>TO (repeatable)",
      collect(parseDelay),
      [],
    )
    .option(
      "--program <file>",
      "run a domain program (a module exporting main(ctx)) on the chosen cores instead of a scenario",
    )
    .option(
      "--handler-ms <n>",
      "program: host ms one simulated handler may run before the watchdog ends the run",
      integerArgument("--handler-ms", 1, 3_600_000),
      simHandlerHostMsDefault,
    )
    .option("--trace <file>", "write the run in Chrome Trace Event format", outputFileArgument("--trace"))
    .addOption(jsonOption())
    .option("--check", "exit with status 1 on any invariant violation", false)
    .option("--seeds <a..b>", "check seeds A to B with random machines, scenarios and faults", seedRange)
    .option("--verbose", "print the cores' log lines on standard error", false)
    .argument("[args...]", "program: the domain's arguments, each core's ctx.args (put them after --)")
    .action(async (args: string[], options: SimOptions) => {
      if (args.length > 0 && options.program === undefined)
        throw new UsageError(`sim: arguments (${args.join(" ")}) are for a --program; no program was given`);
      if (options.seeds !== undefined) {
        await checkCommand(options.seeds, commandOutput(options.json));
        return;
      }
      await runCommand(options, commandOutput(options.json), args);
    });
};

async function checkCommand([first, last]: readonly [number, number], output: CommandOutput): Promise<void> {
  const total = last - first + 1;
  let done = 0;
  const summary = await checkSeeds(first, last, () => {
    done++;
    if (done % 100 === 0) progress(`sim --check: ${done}/${total} seeds`);
  });
  const out: string[] = [
    `sim --check: seeds ${first}..${last}: ${summary.passed} passed, ${summary.failures.length} failed`,
    `  scenarios: ${Object.entries(summary.scenarios)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}; faults: ${Object.entries(summary.faults)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  ];
  for (const failure of summary.failures.slice(0, 10)) {
    out.push(`FAIL seed ${failure.seed}:`);
    for (const v of failure.violations.slice(0, 5)) out.push(`  ${v}`);
    out.push(`  replay: ${failure.replay}`);
    out.push(`  or:     ${failure.command}`);
  }
  output.text(out.join("\n"));
  output.json(summary);
  if (summary.failures.length > 0) process.exitCode = 1;
}

/** Refuses, as a usage error naming the option, cores the machine does not have. */
function checkCoresOnMachine(options: SimOptions, machineCores: readonly number[], machine: string): void {
  const has = `${machine} has ${machineCores.length} cores (${machineCores[0]}-${machineCores.at(-1)})`;
  if (options.cores !== undefined && options.cores > machineCores.length)
    throw new UsageError(`sim: --cores ${options.cores} is more than the machine has: ${has}`);
  const missing = (list: readonly number[]) => list.filter((core) => !machineCores.includes(core));
  if (options.coreList !== undefined && missing(options.coreList).length > 0)
    throw new UsageError(`sim: --core-list names core(s) ${missing(options.coreList).join(",")}, but ${has}`);
  if (options.pair !== undefined && missing(options.pair).length > 0)
    throw new UsageError(`sim: --pair names core(s) ${missing(options.pair).join(",")}, but ${has}`);
}

async function runCommand(
  options: SimOptions,
  output: CommandOutput,
  args: readonly string[],
): Promise<void> {
  const name = options.program === undefined ? options.run : "program";
  if (name === undefined)
    throw new UsageError(`sim: say --run <scenario> (${scenarioNames.join(", ")}) or --seeds A..B --check`);
  if (name !== "program" && !isScenarioName(name))
    throw new UsageError(`sim: unknown scenario '${name}' (known: ${scenarioNames.join(", ")})`);
  if (!listMachines().includes(options.machine) && !options.machine.endsWith(".json"))
    throw new UsageError(`sim: unknown machine '${options.machine}' (known: ${listMachines().join(", ")})`);
  const mode = options.mode;
  if (mode !== undefined && mode !== "one-phase" && mode !== "two-phase" && mode !== "mixed")
    throw new UsageError(`sim: --mode must be one-phase, two-phase or mixed, got '${String(mode)}'`);
  // A program is checked before anything runs: one error with a hint, as `run` gives.
  if (options.program !== undefined) await checkProgram(options.program);
  const machine = loadMachine(options.machine);
  const machineCores = machine.cores.map((c) => c.id);
  checkCoresOnMachine(options, machineCores, options.machine);
  const cores = chosenCores(options, machineCores);
  const params: ScenarioParams = {
    ...(options.probe ? {} : { probe: false }),
    ...(options.probeRounds === undefined ? {} : { probeRounds: options.probeRounds }),
    ...(options.probeWarmup === undefined ? {} : { probeWarmupRounds: options.probeWarmup }),
    ...(options.pair === undefined ? {} : { pair: options.pair }),
    ...(options.rounds === undefined ? {} : { rounds: options.rounds }),
    ...(options.domain ? { domain: true } : {}),
    ...(options.updates === undefined ? {} : { updatesPerCore: options.updates }),
    ...(mode === undefined ? {} : { mode }),
    ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
    ...(options.pages === undefined ? {} : { pages: options.pages }),
  };
  const protocols = ["broadcast", "unicast", "multicast", "numa-multicast"];
  if (options.protocol !== undefined && !protocols.includes(options.protocol))
    throw new UsageError(`sim: --protocol must be one of ${protocols.join(", ")}, got '${options.protocol}'`);
  const faults = [...options.crash, ...options.stall, ...options.slow, ...options.delay];
  const log = options.verbose ? { log: (line: string) => process.stderr.write(`${line}\n`) } : {};
  const result =
    options.program !== undefined
      ? await runProgramHosted({
          programUrl: programUrl(options.program),
          program: options.program,
          args,
          machine: options.machine,
          machineName: machine.name,
          seed: options.seed,
          cores,
          faults,
          liveness: options.liveness,
          trace: options.trace !== undefined,
          handlerHostMs: options.handlerMs,
          ...log,
        })
      : await runScenario(
          makeScenario(
            name as ScenarioName,
            params,
            [...cores].sort((a, b) => a - b),
          ),
          {
            machine,
            seed: options.seed,
            cores,
            faults,
            liveness: options.liveness,
            trace: options.trace !== undefined,
            ...log,
          },
        );
  if (options.trace !== undefined && result.trace !== undefined) {
    writeFileSync(options.trace, result.trace);
    progress(`sim: trace written to ${options.trace}`);
  }
  output.text(formatResult(result).join("\n"));
  const { trace: _trace, ...rest } = result;
  output.json(resultJson(rest) as object);
  const failing = options.check || options.program !== undefined;
  if (failing && result.violations.length > 0) process.exitCode = 1;
}

/** Why a run stopped, in words (scenario.ts names the reasons). */
const stopReasons: Record<ScenarioResult["stoppedBy"], string> = {
  done: "its goal was reached",
  detected: "every live core detected the crash",
  idle: "nothing was left to happen",
  horizon: `${simScenarioVirtualNsMax / 1e6} ms of virtual time went by (limits.simScenarioVirtualNsMax)`,
  events: `${simScenarioEventsMax} events were processed (limits.simScenarioEventsMax)`,
  watchdog: "a handler held the simulator past its bound",
};

/** The lines `sim --run` prints. */
export function formatResult(r: ScenarioResult): string[] {
  const lines = [
    `sim ${r.scenario} on ${r.machine} (${r.cores.length} cores), seed ${r.seed}${r.faults.length === 0 ? "" : `, ${r.faults.length} fault(s)`}${r.liveness ? ", liveness on" : ""}`,
    ...r.lines,
    `run: ${r.completed ? "completed" : "NOT completed"} (stopped: ${stopReasons[r.stoppedBy]}), ${(r.virtualNs / 1000).toFixed(2)} µs virtual (${Math.round(r.virtualCycles)} cycles), ${r.events} events, ${r.deliveries} deliveries, ${r.dropped} dropped`,
  ];
  lines.push(
    r.violations.length === 0
      ? "checkers: no violation"
      : `checkers: ${r.violations.length} violation(s):\n${r.violations.map((v) => `  ${v}`).join("\n")}`,
  );
  return lines;
}

/** For tests: the case of a seed, as `--seeds S..S` runs it. */
export { checkCaseOf };
