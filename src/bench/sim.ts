// Host speed of the simulator: simulated message deliveries per host second, and a 256-core boot.
//
// flood     on mesh-16x16 (256 cores), every core starts with a few messages in flight and answers
//           each message it receives with one to a core drawn from its seeded random stream, so
//           the whole machine stays busy with cross-core traffic and the full cost model (transfer
//           queueing at owners, credit, jitter) runs on every delivery. Deliveries over host time,
//           measured after a warm-up phase of the same run (so channel creation is not counted).
//           The same flood on amd-8x4 (32 cores) is reported beside it: with 65,280 channels the
//           256-core flood's speed is bound by the host's memory, not by the engine's work.
// boot256   a boot-shaped run on the same machine: core 0 sends a boot message to each package's
//           leader, which forwards it to its package; every core then greets every other core
//           (the N x N channel mesh) and answers each greeting. Host time for the whole run.
// This file alone reads the host clock (performance.now); the simulator never does.

import { performance } from "node:perf_hooks";
import type { CoreLogic } from "../cpu-driver/core-env.js";
import { Simulation } from "../platform/sim/engine.js";
import { loadMachine } from "../platform/sim/machine.js";

export interface SimBenchResult {
  /** Deliveries per host second, all-to-all random flood on 256 cores (mesh-16x16). */
  readonly simMsgsPerSec: number;
  /** The same on 32 cores (amd-8x4). */
  readonly simMsgsPerSec32: number;
  readonly boot256Ms?: number;
  readonly floodDeliveries: number;
  readonly boot256Deliveries?: number;
}

const floodInitialPerCore = 4;
const floodEvents = 2_000_000;

/** Deliveries and host time of an all-to-all flood on every core of `machineName`. */
export function floodRate(
  machineName = "mesh-16x16",
  events = floodEvents,
): { deliveries: number; hostMs: number } {
  const machine = loadMachine(machineName);
  const sim = new Simulation(machine, { seed: 1, check: false });
  const n = machine.cores.length;
  const payload = new Uint8Array(16);
  for (let c = 0; c < n; c++) {
    sim.addCore(c, (env): CoreLogic => {
      const pick = (): number => {
        const other = Math.floor(env.random() * (n - 1));
        return other >= c ? other + 1 : other;
      };
      return {
        start() {
          for (let i = 0; i < floodInitialPerCore; i++) env.portTo(pick()).send(1, payload, payload.length);
        },
        receive() {
          env.portTo(pick()).send(1, payload, payload.length);
        },
      };
    });
  }
  sim.run({ maxEvents: events / 2 }); // warm-up: every channel made, the JIT settled
  const t0 = performance.now();
  const stats = sim.run({ maxEvents: events });
  return { deliveries: stats.deliveries, hostMs: performance.now() - t0 };
}

const bootType = 1;
const greetType = 2;
const answerType = 3;

/** Host milliseconds of a boot-shaped run on 256 cores (see the file comment). */
export function boot256(): { deliveries: number; hostMs: number } {
  const machine = loadMachine("mesh-16x16");
  const t0 = performance.now();
  const sim = new Simulation(machine, { seed: 1 });
  const empty = new Uint8Array(8);
  for (const core of machine.cores) {
    sim.addCore(core.id, (env): CoreLogic => {
      const greetAll = (): void => {
        for (const other of env.coreIds)
          if (other !== env.coreId) env.portTo(other).send(greetType, empty, 8);
      };
      return {
        start() {
          if (env.coreId !== 0) return;
          for (const pkg of machine.packages) if (pkg[0] !== 0) env.portTo(pkg[0]!).send(bootType, empty, 8);
          for (const c of machine.packages[0]!) if (c !== 0) env.portTo(c).send(bootType, empty, 8);
          greetAll();
        },
        receive(from, type) {
          if (type === bootType) {
            const pkg = machine.packages[machine.cores[env.coreId]!.packageId]!;
            if (pkg[0] === env.coreId)
              for (const c of pkg) if (c !== env.coreId) env.portTo(c).send(bootType, empty, 8);
            greetAll();
          } else if (type === greetType) env.portTo(from).send(answerType, empty, 8);
        },
      };
    });
  }
  const stats = sim.run({ maxEvents: 10_000_000 });
  if (stats.stoppedBy !== "idle") throw new Error(`boot256 did not finish: ${stats.stoppedBy}`);
  return { deliveries: stats.deliveries, hostMs: performance.now() - t0 };
}

export async function benchSim(): Promise<SimBenchResult> {
  const flood = floodRate("mesh-16x16");
  const flood32 = floodRate("amd-8x4");
  const boot = boot256();
  return {
    simMsgsPerSec: (flood.deliveries / flood.hostMs) * 1000,
    simMsgsPerSec32: (flood32.deliveries / flood32.hostMs) * 1000,
    floodDeliveries: flood.deliveries,
    boot256Ms: boot.hostMs,
    boot256Deliveries: boot.deliveries,
  };
}

if (
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/^.*\/dist\//, "dist/"))
) {
  console.log(JSON.stringify(await benchSim()));
}
