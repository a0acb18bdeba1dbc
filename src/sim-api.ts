// The simulator for users' tests: `import { simulate } from "multikernel/sim"`.
//
// `simulate(program, options)` runs a domain program — the same module `multikernel run` runs on
// real cores — on a simulated machine in virtual time, and resolves with each core's exit (status,
// error with its stack's frames, result), the invariant violations the simulator's checkers found,
// and every line the cores logged. It is `multikernel sim --program` as a function: the program is
// checked first as `run` checks it (one ProgramLoadError, with a hint, for a file that is missing or
// cannot load), then runs in a worker thread under the hosted runner's watchdog
// (platform/sim/program-host.ts), so that a busy loop in the user's domain, or a domain that waits
// forever, ends the run with a violation instead of hanging the test that called it. The same seed
// and options give the same run.
// This is its own entry point (package.json's "exports": "./sim"), not part of "multikernel": the
// library's main entry stays free of the simulator, and test/layering.test.ts gives this file a row
// of its own.

/**
 * Domain programs on a simulated machine, for tests: {@link simulate}.
 * @module multikernel/sim
 */

import { checkRunArgs } from "./domain/run-data.js";
import { checkProgram } from "./platform/program/preflight.js";
import { programUrl } from "./platform/program/program-loader.js";
import { listMachines, loadMachine } from "./platform/sim/index.js";
import { runProgramHosted } from "./platform/sim/program-host.js";

/** The machine a simulation runs on when none is named: AMD's 4×4-core Opteron of the paper. */
export const simulateMachineDefault = "amd-4x4";
/** The seed of a simulation when none is given. */
export const simulateSeedDefault = 1;
/** Host time a simulation may take when no timeoutMs is given (a bound, not an expectation). */
export const simulateTimeoutMsDefault = 60_000;
/** Lines of the cores' log a simulation keeps; past it, one last line says how many were dropped. */
export const simulateLogLinesMax = 10_000;
/** The fewest cores a simulation runs on (the monitors' boot needs two). */
const simulateCoresMin = 2;

/** How to run a program on the simulator; every field has a default. */
export interface SimulateOptions {
  /** A machine model: a name from the package's machines/ (`amd-4x4`, `intel-2x4`, `amd-8x4`, …) or a .json file. Default `amd-4x4`. */
  readonly machine?: string;
  /** Run on cores 0..N-1 (at least 2). Default: every core of the machine. Not with `coreList`. */
  readonly cores?: number;
  /** Run on these cores (at least 2, each a core of the machine). Not with `cores`. */
  readonly coreList?: readonly number[];
  /** Each core's `ctx.args`, a structured clone per core, as `run`'s `args`. Default `[]`. */
  readonly args?: unknown;
  /** The run's seed: the same seed and options give the same run. Default 1. */
  readonly seed?: number;
  /** Host time the whole run may take before it is ended with a violation. Default 60 000 ms. */
  readonly timeoutMs?: number;
}

/** How one core's main ended, as the real platform's `run` reports it. */
export interface SimulatedExit {
  readonly core: number;
  /** Its exit status: 0 for success (a result is status 0), 1 for a throw, or the status main returned. */
  readonly status: number;
  /** "" for none; else the message, then one `    at …` line per frame of the program's stack. */
  readonly error: string;
  /** What main returned, when it was a result rather than an exit status. */
  readonly value?: unknown;
}

/** What a simulation found. */
export interface SimulationResult {
  /** One entry per core whose main ended, ascending by core; a core whose main never did is a violation. */
  readonly exits: readonly SimulatedExit[];
  /** Every invariant violation, a failing main included (its core, status and error); empty is a pass. */
  readonly violations: readonly string[];
  /** What the cores logged (`ctx.log` and the monitors), each line `[core N @ T µs] text`. */
  readonly log: readonly string[];
  /** Whether every core's main returned (and the checkers ran to the end). */
  readonly completed: boolean;
  /** Virtual time the run took, in nanoseconds. */
  readonly virtualNs: number;
}

/**
 * Runs `program` (a path relative to the working directory, a `file:` URL or a `URL`) on a
 * simulated machine; see the module comment. Rejects, before anything runs, for bad options or a
 * program that cannot load (a ProgramLoadError); a failing main or a run the watchdog ended
 * resolves, with the failure in `exits` and `violations`.
 */
export async function simulate(
  program: string | URL,
  options: SimulateOptions = {},
): Promise<SimulationResult> {
  const machineName = options.machine ?? simulateMachineDefault;
  if (!listMachines().includes(machineName) && !machineName.endsWith(".json"))
    throw new RangeError(`simulate: unknown machine '${machineName}' (known: ${listMachines().join(", ")})`);
  const machine = loadMachine(machineName);
  const cores = chosenCores(options, machine.cores.length);
  if (options.args !== undefined) checkRunArgs(options.args, "simulate");
  const timeoutMs = options.timeoutMs ?? simulateTimeoutMsDefault;
  if (!(timeoutMs > 0 && timeoutMs <= 2 ** 31 - 1))
    throw new RangeError(`simulate: timeoutMs must be a positive number of ms, got ${timeoutMs}`);
  await checkProgram(program);
  const log: string[] = [];
  let dropped = 0;
  const result = await runProgramHosted({
    programUrl: programUrl(program),
    program: String(program),
    machine: machineName,
    machineName: machine.name,
    seed: options.seed ?? simulateSeedDefault,
    cores,
    ...(options.args === undefined ? {} : { args: options.args }),
    faults: [],
    liveness: false,
    trace: false,
    timeoutMs,
    log: (line) => {
      if (log.length < simulateLogLinesMax) log.push(line);
      else dropped++;
    },
  });
  if (dropped > 0) log.push(`(${dropped} more lines dropped: a simulation keeps ${simulateLogLinesMax})`);
  const exits = (result.results as { exits?: readonly SimulatedExit[] }).exits ?? [];
  return {
    exits,
    violations: result.violations,
    log,
    completed: result.completed,
    virtualNs: result.virtualNs,
  };
}

/** The cores `cores` or `coreList` names (default every core), checked against the machine's `coreCount`. */
function chosenCores(options: SimulateOptions, coreCount: number): readonly number[] {
  if (options.cores !== undefined && options.coreList !== undefined)
    throw new TypeError("simulate: give cores (a count) or coreList (a list of cores), not both");
  const count = options.cores ?? coreCount;
  if (!(Number.isInteger(count) && count >= simulateCoresMin && count <= coreCount))
    throw new RangeError(
      `simulate: cores must be an integer in [${simulateCoresMin}, ${coreCount}] (the machine's cores), got ${count}`,
    );
  const cores = options.coreList ?? Array.from({ length: count }, (_, core) => core);
  const bad = cores.find((core) => !(Number.isInteger(core) && core >= 0 && core < coreCount));
  if (bad !== undefined)
    throw new RangeError(`simulate: core ${bad} is not a core of the machine (0..${coreCount - 1})`);
  if (new Set(cores).size !== cores.length || cores.length < simulateCoresMin)
    throw new RangeError(
      `simulate: coreList must name at least ${simulateCoresMin} distinct cores, got [${cores.join(", ")}]`,
    );
  return cores;
}
