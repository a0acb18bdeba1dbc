// What a simulated scenario is, and the runner that hosts one on a simulated machine.
//
// A scenario (boot.ts, pingpong.ts, replicated.ts) is the unchanged monitor — a Monitor per core,
// with the modules the scenario installs — plus a goal (`done`) and a report. The runner builds a
// Simulation of the chosen machine and cores, with the faults asked for, adds a LivenessModule to
// every monitor when asked (always when a core crashes), tells the scenario and the VM module of
// every failure a monitor detects, and runs the simulation in bounded chunks until one of:
//   done      the goal is reached, and every crash has happened and been detected by every live core;
//   detected  some core crashed, every live core detected it, and a grace period has passed;
//   idle      nothing is left to happen;
//   horizon   simScenarioVirtualNsMax of virtual time went by;
//   events    simScenarioEventsMax events were processed.
// The rule: once the faults have healed, every request completes. The goal is judged with the
// crashed cores excused (`done(crashed)`: a crashed core's own requests need not finish), but a
// request from or to a live core must complete — resolve, or reject with an error that says the
// peer failed — within the grace period after every live core detected the crash. A goal unreached
// is a violation whatever stopped the run: a hang without a crash, a stall with one. A crash never
// excuses a stall.
// Then it stops the heartbeats, runs the simulation dry, and gathers what the checkers say: the
// channel checker (FIFO, loss, duplication), the failure detector's (every crash detected by every
// live core; no live core suspected), monitors that dropped messages, simulated code that reached
// for the host's process or timers (host-guard.ts), and the scenario's own checkers. The simulator
// owns time and randomness: the same seed and options give the same run, byte for byte, trace
// included.

import { describeThrown } from "../../../cpu-driver/describe-thrown.js";
import {
  physicalMemoryBytes,
  simScenarioEventsMax,
  simScenarioGraceNs,
  simScenarioVirtualNsMax,
} from "../../../limits.js";
import { LivenessModule } from "../../../monitor/liveness.js";
import { Monitor } from "../../../monitor/monitor.js";
import { VmModule } from "../../../monitor/vm-module.js";
import { type SimCoreEnv, Simulation } from "../engine.js";
import type { Fault } from "../faults.js";
import { guardHost, hostSetImmediate } from "../host-guard.js";
import { loadMachine, type Machine } from "../machine.js";

/** One scenario's behaviour, as the runner sees it. */
export interface Scenario {
  readonly name: string;
  /**
   * The scenario runs domains, whose code after an `await` runs in promise continuations between
   * the engine's events: the runner then takes one event at a time and lets them run after each.
   */
  readonly continuations?: boolean;
  /** Adds this core's scenario modules to its monitor (before the simulation starts). */
  install(monitor: Monitor, env: SimCoreEnv, run: ScenarioRun): void;
  /**
   * Whether the goal is reached, the requests of the cores in `excused` (crashed ones) apart: every
   * request of any other core, to whichever core, must have completed (resolved, or failed with an
   * error that says the peer failed).
   */
  done(excused: ReadonlySet<number>): boolean;
  /** Core `by`'s failure detector declared core `failed` failed (crash-stop). */
  peerFailed?(by: number, failed: number): void;
  /** The results, once the run has ended and promise continuations have run. */
  report(run: ScenarioRun): ScenarioReport;
}

export interface ScenarioReport {
  /** Lines for people. */
  readonly lines: readonly string[];
  /** Figures for machines (the JSON output). */
  readonly results: Record<string, unknown>;
  /** What the scenario's own invariant checkers found. */
  readonly violations: readonly string[];
}

/** What a scenario may know of the run hosting it. */
export interface ScenarioRun {
  readonly machine: Machine;
  readonly sim: Simulation;
  /** The cores the run uses, ascending. */
  readonly cores: readonly number[];
  /** Cores that a crash fault stops during the run (known in advance: the faults are a list). */
  readonly crashing: ReadonlySet<number>;
  readonly monitors: ReadonlyMap<number, Monitor>;
}

export interface ScenarioOptions {
  readonly machine: string | Machine;
  readonly seed: number;
  /** Cores to run on (default every core of the machine). */
  readonly cores?: readonly number[];
  readonly faults?: readonly Fault[];
  /** Heartbeats and failure detection on every monitor (forced on when a core crashes). */
  readonly liveness?: boolean;
  /** Record a Chrome trace (returned as `trace`). */
  readonly trace?: boolean;
  /** Log lines of the cores, as they happen. */
  readonly log?: (line: string) => void;
  /**
   * Called before each chunk of events (one event when the scenario runs domains): the heartbeat
   * of program-host.ts's watchdog, which ends a run whose handler never returns.
   */
  readonly onStep?: () => void;
  /** Passed to the Simulation (engine.ts): each handler's core as it starts, -1 as it ends. */
  readonly onHandler?: (core: number) => void;
}

export interface Detection {
  /** The core that declared the failure. */
  readonly by: number;
  readonly core: number;
  readonly atNs: number;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly machine: string;
  readonly seed: number;
  readonly cores: readonly number[];
  readonly faults: readonly Fault[];
  readonly liveness: boolean;
  /** watchdog: a handler held the host past its bound and the run was ended (program-host.ts). */
  readonly stoppedBy: "done" | "detected" | "idle" | "horizon" | "events" | "watchdog";
  /** Whether the scenario's goal was reached. */
  readonly completed: boolean;
  readonly virtualCycles: number;
  readonly virtualNs: number;
  readonly events: number;
  readonly deliveries: number;
  readonly dropped: number;
  readonly crashed: readonly number[];
  readonly detections: readonly Detection[];
  readonly lines: readonly string[];
  readonly results: Record<string, unknown>;
  /** Every invariant violation found: channel, liveness, monitors, scenario. Empty is a pass. */
  readonly violations: readonly string[];
  readonly trace?: string;
}

/** Events per chunk between two looks at the goal. */
const chunkEvents = 2048;

const macrotask = (): Promise<void> => new Promise((resolve) => hostSetImmediate(resolve));

/** The violation of a run whose goal was not reached (see the rule in the file comment). */
function unfinished(stoppedBy: ScenarioResult["stoppedBy"], crashing: ReadonlySet<number>): string {
  if (crashing.size === 0)
    return `hang: the scenario did not finish (stopped by ${stoppedBy}) and no core crashed`;
  const crashed = [...crashing].sort((a, b) => a - b).join(", ");
  return `stall: requests of live cores never completed (stopped by ${stoppedBy}, ${simScenarioGraceNs / 1000} µs of grace after every live core detected the crash of core ${crashed}): a crash excuses only the crashed core's own requests`;
}

/** Runs `scenario` on a simulated machine (see the file comment). */
export async function runScenario(scenario: Scenario, options: ScenarioOptions): Promise<ScenarioResult> {
  const machine = typeof options.machine === "string" ? loadMachine(options.machine) : options.machine;
  const cores = [...(options.cores ?? machine.cores.map((c) => c.id))].sort((a, b) => a - b);
  if (cores.length < 2) throw new RangeError(`scenario ${scenario.name}: needs at least two cores`);
  const faults = options.faults ?? [];
  for (const fault of faults) {
    const named = fault.kind === "delay" ? [fault.fromCore, fault.toCore] : [fault.core];
    for (const core of named) {
      if (core !== undefined && !cores.includes(core))
        throw new RangeError(`fault ${fault.kind} names core ${core}, which is not one of the run's cores`);
    }
  }
  const crashing = new Set(faults.flatMap((f) => (f.kind === "crash" ? [f.core] : [])));
  const liveness = options.liveness === true || crashing.size > 0;
  const sim = new Simulation(machine, {
    seed: options.seed,
    faults,
    trace: options.trace === true,
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.onHandler === undefined ? {} : { onHandler: options.onHandler }),
  });
  const monitors = new Map<number, Monitor>();
  const livenessModules = new Map<number, LivenessModule>();
  const detections: Detection[] = [];
  const run: ScenarioRun = { machine, sim, cores, crashing, monitors };
  // Frames for the domains' address spaces (message protocols; one package: the sim gives no SKB here).
  const physicalMemory = new SharedArrayBuffer(physicalMemoryBytes);
  for (const core of cores) {
    sim.addCore(core, (env) => {
      const monitor = new Monitor(env);
      monitor.add(new VmModule(env, { physicalMemory }));
      monitors.set(core, monitor);
      if (liveness) {
        const module = new LivenessModule(env, {
          onPeerFailed: (failed, atNs, reason) => {
            detections.push({ by: core, core: failed, atNs });
            monitor.peerCoreFailed(failed, reason);
            scenario.peerFailed?.(core, failed);
          },
        });
        livenessModules.set(core, monitor.add(module));
      }
      scenario.install(monitor, env, run);
      return monitor;
    });
  }

  const clockGHz = machine.clockGHz;
  const horizonCycles = simScenarioVirtualNsMax * clockGHz;
  const crashAtCycles = Math.max(0, ...faults.map((f) => (f.kind === "crash" ? f.atCycles : 0)));
  const live = cores.filter((c) => !crashing.has(c));
  const crashesDetected = (): boolean => {
    if (crashing.size === 0 || !liveness) return true;
    if (sim.timeCycles < crashAtCycles) return false;
    for (const by of live) {
      for (const core of crashing) {
        if (!detections.some((d) => d.by === by && d.core === core)) return false;
      }
    }
    return true;
  };
  const violations: string[] = [];
  let stoppedBy: ScenarioResult["stoppedBy"] = "idle";
  let events = 0;
  let deliveries = 0;
  let dropped = 0;
  let graceEndCycles = Number.POSITIVE_INFINITY;
  const chunk = scenario.continuations === true ? 1 : chunkEvents;
  const guard = guardHost();
  try {
    for (;;) {
      options.onStep?.();
      const stats = sim.run({ maxEvents: chunk, untilCycles: horizonCycles });
      if (scenario.continuations === true) await macrotask();
      events += stats.events;
      deliveries += stats.deliveries;
      dropped += stats.dropped;
      const detected = crashesDetected();
      if (scenario.done(crashing) && detected) {
        stoppedBy = "done";
        break;
      }
      // With continuations, idle is only idle once they too had their turn and added nothing.
      if (stats.stoppedBy === "idle" && (chunk > 1 || stats.events === 0)) {
        stoppedBy = "idle";
        break;
      }
      if (stats.stoppedBy === "untilCycles") {
        stoppedBy = "horizon";
        break;
      }
      if (events >= simScenarioEventsMax) {
        stoppedBy = "events";
        break;
      }
      if (crashing.size > 0 && detected) {
        if (graceEndCycles === Number.POSITIVE_INFINITY)
          graceEndCycles = sim.timeCycles + simScenarioGraceNs * clockGHz;
        else if (sim.timeCycles >= graceEndCycles) {
          stoppedBy = "detected";
          break;
        }
      }
    }
    // Stop the heartbeats and let everything in flight land, within what is left of the bound.
    for (const module of livenessModules.values()) module.stop();
    let drained = false;
    while (!drained && events < simScenarioEventsMax) {
      options.onStep?.();
      const drain = sim.run({ maxEvents: Math.min(chunk, simScenarioEventsMax - events) });
      if (scenario.continuations === true) await macrotask();
      events += drain.events;
      deliveries += drain.deliveries;
      dropped += drain.dropped;
      drained = drain.stoppedBy === "idle" && (chunk > 1 || drain.events === 0);
    }
    for (const v of sim.checker?.finish(!drained) ?? [])
      violations.push(`channel: ${v.kind} on ${v.stream}: message ${v.messageId}: ${v.detail}`);
  } catch (error) {
    violations.push(`simulation: ${describeThrown(error)}`);
  }
  // Promise continuations (replicated updates settling) run now, before the report.
  await macrotask();
  for (const escaped of guard.escapes()) violations.push(`host: ${escaped}`);
  guard.release();

  const completed = scenario.done(crashing);
  if (!completed) violations.push(unfinished(stoppedBy, crashing));
  if (liveness) {
    for (const by of live) {
      for (const core of crashing) {
        if (!detections.some((d) => d.by === by && d.core === core))
          violations.push(`liveness: core ${by} never detected that core ${core} crashed`);
      }
    }
    for (const d of detections) {
      if (!crashing.has(d.core))
        violations.push(`liveness: core ${d.by} declared core ${d.core} failed, but it never crashed`);
    }
  }
  for (const [core, monitor] of monitors) {
    if (monitor.droppedMessages > 0)
      violations.push(`monitor: core ${core} dropped ${monitor.droppedMessages} message(s)`);
  }
  const report = scenario.report(run);
  violations.push(...report.violations);
  const lines = [...report.lines];
  for (const core of new Set(detections.map((d) => d.core))) {
    const times = detections.filter((d) => d.core === core).map((d) => d.atNs);
    lines.push(
      `failure detected: core ${core} by ${times.length} of ${live.length} live cores, from ${(Math.min(...times) / 1000).toFixed(1)} to ${(Math.max(...times) / 1000).toFixed(1)} µs${crashing.has(core) ? "" : " (it never crashed)"}`,
    );
  }
  return {
    scenario: scenario.name,
    machine: machine.name,
    seed: options.seed,
    cores,
    faults,
    liveness,
    stoppedBy,
    completed,
    virtualCycles: sim.timeCycles,
    virtualNs: sim.timeCycles / clockGHz,
    events,
    deliveries,
    dropped,
    crashed: [...crashing].sort((a, b) => a - b),
    detections,
    lines,
    results: report.results,
    violations,
    ...(options.trace === true ? { trace: sim.traceJson() } : {}),
  };
}
