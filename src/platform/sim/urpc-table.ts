// The simulated Table 2: URPC latency and throughput per path class of a machine, measured in the
// engine with the same kind of logic the paper's benchmark ran.
//
// For each path class the machine has (one row per display name, e.g. the paper's "non-shared"),
// a pair of cores of that class runs two experiments in a fresh simulation:
//   ping-pong  core a sends a one-line message, b answers, a sends again, for `roundTrips` round
//              trips; the latency is the round-trip time over two, in cycles;
//   streaming  a sends `streamMessages` one-line messages back to back (the channel's flow
//              control holds it back when the ring is full), b counts them; the throughput is
//              messages per 1000 cycles between the first and last arrival at b.
// With the machine's calibration from the paper, the rows carry the paper's values beside the
// simulated ones (docs/simulator.md shows the comparison).

import type { CoreLogic } from "../../cpu-driver/core-env.js";
import { type SimCoreEnv, Simulation } from "./engine.js";
import { loadMachine, type Machine, pathClassOf } from "./machine.js";

export interface UrpcPathResult {
  /** The path's name as the machine's calibration gives it (Table 2's names on the paper's machines). */
  readonly class: string;
  /** The structural path class of the measured pair ("shared", "same-package", "hop-N"). */
  readonly pathClass: string;
  readonly cores: readonly [number, number];
  readonly latencyCycles: number;
  readonly msgsPerKcycle: number;
  readonly paperLatencyCycles?: number;
  readonly paperMsgsPerKcycle?: number;
}

export interface UrpcTable {
  readonly machine: string;
  readonly clockGHz: number;
  readonly paths: readonly UrpcPathResult[];
}

export interface UrpcTableOptions {
  readonly seed?: number;
  readonly roundTrips?: number;
  readonly streamMessages?: number;
}

const pingType = 1;
const streamType = 2;
const eventsPerMessageMax = 8;

/** Round trips between `a` and `b`; returns the one-way latency in cycles. */
export function measurePingPong(
  machine: Machine,
  a: number,
  b: number,
  roundTrips: number,
  seed: number,
): number {
  const sim = new Simulation(machine, { seed });
  const payload = new Uint8Array(8);
  let doneCycles = -1;
  let startCycles = 0;
  sim.addCore(a, (env: SimCoreEnv): CoreLogic => {
    let received = 0;
    return {
      start() {
        startCycles = env.nowCycles();
        env.portTo(b).send(pingType, payload, payload.length);
      },
      receive() {
        received++;
        if (received === roundTrips) doneCycles = env.nowCycles();
        else env.portTo(b).send(pingType, payload, payload.length);
      },
    };
  });
  sim.addCore(b, (env) => ({
    start() {},
    receive(from, type, bytes, length) {
      env.portTo(from).send(type, bytes, length);
    },
  }));
  sim.run({ maxEvents: roundTrips * 2 * eventsPerMessageMax + 100 });
  if (doneCycles < 0) throw new Error(`measurePingPong: ${machine.name} ${a}<->${b} did not finish`);
  return (doneCycles - startCycles) / (2 * roundTrips);
}

/** `a` streams `messages` one-line messages to `b`; returns messages per 1000 cycles at b. */
export function measureStreaming(
  machine: Machine,
  a: number,
  b: number,
  messages: number,
  seed: number,
): number {
  const sim = new Simulation(machine, { seed });
  const payload = new Uint8Array(8);
  let firstCycles = -1;
  let lastCycles = -1;
  sim.addCore(a, (env) => ({
    start() {
      for (let i = 0; i < messages; i++) env.portTo(b).send(streamType, payload, payload.length);
    },
    receive() {},
  }));
  sim.addCore(b, (env: SimCoreEnv): CoreLogic => {
    let received = 0;
    return {
      start() {},
      receive() {
        received++;
        if (received === 1) firstCycles = env.nowCycles();
        if (received === messages) lastCycles = env.nowCycles();
      },
    };
  });
  sim.run({ maxEvents: messages * eventsPerMessageMax + 100 });
  if (lastCycles < 0) throw new Error(`measureStreaming: ${machine.name} ${a}->${b} did not finish`);
  return ((messages - 1) / (lastCycles - firstCycles)) * 1000;
}

/** A pair of cores of class `cls`: from core 0 if it has one, else the first found. */
function pairOf(machine: Machine, cls: string): [number, number] {
  const n = machine.cores.length;
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) if (a !== b && pathClassOf(machine, a, b) === cls) return [a, b];
  throw new Error(`urpc-table: ${machine.name} has no pair of class ${cls}`);
}

/** Simulates Table 2 for a machine (by name, path or model). */
export function simulateUrpcTable(
  machineOrName: string | Machine,
  options: UrpcTableOptions = {},
): UrpcTable {
  const machine = typeof machineOrName === "string" ? loadMachine(machineOrName) : machineOrName;
  const seed = options.seed ?? 1;
  const roundTrips = options.roundTrips ?? 320;
  const streamMessages = options.streamMessages ?? 2000;
  const seen = new Set<string>();
  const paths: UrpcPathResult[] = [];
  for (const [pathClass, cal] of machine.paths) {
    if (seen.has(cal.name)) continue;
    seen.add(cal.name);
    const [a, b] = pairOf(machine, pathClass);
    const row: UrpcPathResult = {
      class: cal.name,
      pathClass,
      cores: [a, b],
      latencyCycles: measurePingPong(machine, a, b, roundTrips, seed),
      msgsPerKcycle: measureStreaming(machine, a, b, streamMessages, seed),
      ...(machine.paperCalibration && !cal.extrapolated
        ? { paperLatencyCycles: cal.latencyCycles, paperMsgsPerKcycle: cal.msgsPerKcycle }
        : {}),
    };
    paths.push(row);
  }
  return { machine: machine.name, clockGHz: machine.clockGHz, paths };
}
