// "Sharing is expensive" (paper §2): shared-memory updates against a server reached by URPC.
//
// On the host (real threads):
//   shared  N worker threads each make `updates` updates; an update is one Atomics.add on each of
//           `lines` cache lines (the first word of each 64-byte line of one SharedArrayBuffer), the
//           lines every thread updates, so each update pulls each line from the last writer;
//   urpc    N-1 client threads each send `updates` update requests, one URPC message each, on their
//           own channel (UrpcChannel, one per client) to one server thread, which polls every
//           channel and applies each request to its private copy of the `lines` lines. Clients do
//           not wait for an answer: the ring's flow control bounds how far they run ahead. N >= 2.
// Workers start, count themselves ready on a shared control block, and wait for the start flag; the
// main thread times from setting it until the done count says every updater (shared) or the server
// (urpc) has finished. updatesPerSec = all updates / that time; nsPerUpdate = that time / the
// updates one thread made — the time an update costs the thread that makes it. Every wait is bounded
// (sharingRunTimeoutMs), and the workers are terminated whatever happens.
//
// On a simulated machine (the cost model of src/platform/sim, no threads; N cores = the first N
// in package order, each making `updates` updates):
//   shared  each core's next line access is served in virtual-time order; a line is held by one
//           core at a time: an access by the line's last writer costs sharingSimLocalUpdateCycles,
//           any other is a transfer from that writer (CostModel.serveRead: its transfer latency,
//           queued behind other transfers the owner serves) and waits for the access before it;
//   urpc    the real engine: N-1 client cores each stream `updates` one-line messages to the server
//           (core 0 of the subset), which charges sharingSimLocalUpdateCycles per line per message.
// The time is the virtual time until the last update, turned into seconds with the machine's clock.

import { availableParallelism } from "node:os";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { CoreLogic } from "../cpu-driver/core-env.js";
import { assertLimit, cacheLineBytes, simSendQueueMessagesMax } from "../limits.js";
import { CoherenceModel, localUpdateCycles } from "../platform/sim/coherence.js";
import { CostModel } from "../platform/sim/cost-model.js";
import { type SimCoreEnv, Simulation } from "../platform/sim/engine.js";
import { loadMachine, type Machine } from "../platform/sim/machine.js";
import { allocateAlignedShared } from "../urpc/aligned-memory.js";
import { UrpcChannel } from "../urpc/index.js";
import {
  controlBytes,
  controlDone,
  controlFailed,
  controlReady,
  controlStart,
  type SharingWorkerData,
  updateType,
} from "./sharing-protocol.js";
import { benchWorkerStartTimeoutMs } from "./waits.js";

/** The numbers of shared cache lines one update touches (the paper's 1, 2, 4, 8). */
export const sharingLinesChoices: readonly number[] = [1, 2, 4, 8];
/** Updates each thread (or each URPC client) makes unless `--updates` says otherwise. */
export const sharingUpdatesPerThreadDefault = 100_000;
/** Most threads one run may use. */
export const sharingThreadsMax = 64;
/** Longest one configuration may run before its workers are terminated and it fails. */
const sharingRunTimeoutMs = 120_000;
/** Simulated: updates each core makes unless told otherwise (the simulator queues a client's sends, so below simSendQueueMessagesMax). */
export const sharingSimUpdatesDefault = 1_000;
/** Simulated: cycles the URPC server spends applying one update to one of its private lines. */
const sharingSimLocalUpdateCycles = localUpdateCycles;

assertLimit(
  sharingSimUpdatesDefault < simSendQueueMessagesMax,
  "a simulated client's updates fit the simulator's send queue",
  "bench/sharing.ts",
);
assertLimit(
  sharingRunTimeoutMs > 0 && sharingThreadsMax >= 1,
  "sharing bounds are positive",
  "bench/sharing.ts",
);

export type SharingMode = "shared" | "urpc";

export interface SharingPoint {
  readonly mode: SharingMode;
  /** Threads (or simulated cores) taking part: the updaters, or the clients and the server. */
  readonly cores: number;
  readonly lines: number;
  readonly updatesPerSec: number;
  readonly nsPerUpdate: number;
}

export interface SharingFigure {
  /** "host" for real threads, else the simulated machine's name. */
  readonly machine: string;
  readonly results: readonly SharingPoint[];
}

export interface SharingOptions {
  /** Thread counts to measure; "urpc" skips counts below 2. */
  readonly cores: readonly number[];
  readonly lines: readonly number[];
  /** Updates each updater (shared) or client (urpc) makes. */
  readonly updates: number;
  readonly modes?: readonly SharingMode[];
  /** Bound on one configuration, in ms (default sharingRunTimeoutMs). */
  readonly timeoutMs?: number;
}

const modesAll: readonly SharingMode[] = ["shared", "urpc"];

/** Thread counts 1..availableParallelism, the host's default. */
export function hostCoreCounts(): number[] {
  return Array.from({ length: availableParallelism() }, (_, i) => i + 1);
}

// ---- Host: real threads ------------------------------------------------------------------------

/** Runs every configuration on the host, one after another. */
export async function measureSharing(options: SharingOptions): Promise<SharingFigure> {
  const results: SharingPoint[] = [];
  for (const mode of options.modes ?? modesAll) {
    for (const cores of options.cores) {
      if (mode === "urpc" && cores < 2) continue;
      for (const lines of options.lines) {
        const elapsedMs = await runHost(
          mode,
          cores,
          lines,
          options.updates,
          options.timeoutMs ?? sharingRunTimeoutMs,
        );
        results.push(point(mode, cores, lines, options.updates, elapsedMs * 1e6));
      }
    }
  }
  return { machine: "host", results };
}

function point(
  mode: SharingMode,
  cores: number,
  lines: number,
  updates: number,
  elapsedNs: number,
): SharingPoint {
  const updaters = mode === "shared" ? cores : cores - 1;
  const ns = Math.max(elapsedNs, 1);
  return {
    mode,
    cores,
    lines,
    updatesPerSec: (updaters * updates * 1e9) / ns,
    nsPerUpdate: ns / updates,
  };
}

/** Waits until `control[index] >= target`, without blocking the event loop; false on timeout or failure. */
async function waitForCount(
  control: Int32Array,
  index: number,
  target: number,
  deadline: number,
): Promise<boolean> {
  for (;;) {
    const value = Atomics.load(control, index);
    if (value >= target) return true;
    if (Atomics.load(control, controlFailed) !== 0) return false;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    const waited = Atomics.waitAsync(control, index, value, left);
    if (waited.async) await waited.value;
  }
}

/** One configuration on real threads; returns the measured milliseconds. */
async function runHost(
  mode: SharingMode,
  cores: number,
  lines: number,
  updates: number,
  timeoutMs: number,
): Promise<number> {
  const control = new Int32Array(allocateAlignedShared(controlBytes, "sharing control"));
  const data = mode === "shared" ? allocateAlignedShared(lines * cacheLineBytes, "shared lines") : null;
  const channels = mode === "urpc" ? Array.from({ length: cores - 1 }, () => UrpcChannel.allocate()) : [];
  const workerDatas: SharingWorkerData[] =
    mode === "shared"
      ? Array.from({ length: cores }, () => ({
          role: "shared",
          control: control.buffer as SharedArrayBuffer,
          data,
          channels: [],
          lines,
          updates,
          timeoutMs,
        }))
      : [
          {
            role: "server",
            control: control.buffer as SharedArrayBuffer,
            data: null,
            channels,
            lines,
            updates: (cores - 1) * updates,
            timeoutMs,
          },
          ...channels.map(
            (channel): SharingWorkerData => ({
              role: "client",
              control: control.buffer as SharedArrayBuffer,
              data: null,
              channels: [channel],
              lines,
              updates,
              timeoutMs,
            }),
          ),
        ];
  const workers = workerDatas.map(
    (workerData) => new Worker(new URL("./workers/sharing-worker.js", import.meta.url), { workerData }),
  );
  let workerError: Error | undefined;
  for (const worker of workers) {
    worker.on("error", (error) => {
      workerError ??= error;
      Atomics.store(control, controlFailed, 1);
      Atomics.notify(control, controlReady);
      Atomics.notify(control, controlDone);
    });
  }
  const describe = `sharing ${mode}, ${cores} threads, ${lines} lines`;
  try {
    if (
      !(await waitForCount(
        control,
        controlReady,
        workers.length,
        performance.now() + benchWorkerStartTimeoutMs,
      ))
    ) {
      throw (
        workerError ?? new Error(`${describe}: workers did not start within ${benchWorkerStartTimeoutMs} ms`)
      );
    }
    const doneTarget = mode === "shared" ? cores : 1;
    const startMs = performance.now();
    Atomics.store(control, controlStart, 1);
    Atomics.notify(control, controlStart);
    if (!(await waitForCount(control, controlDone, doneTarget, startMs + timeoutMs))) {
      throw workerError ?? new Error(`${describe}: not finished within ${timeoutMs} ms`);
    }
    const elapsedMs = performance.now() - startMs;
    if (mode === "shared") {
      const counters = new Int32Array(data!);
      if (counters[0] !== cores * updates) {
        throw new Error(`${describe}: counter is ${counters[0]}, expected ${cores * updates}`);
      }
    }
    return elapsedMs;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

// ---- Simulated machine: the cost model ---------------------------------------------------------

/** The first `count` cores of the machine in package order. */
function firstCores(machine: Machine, count: number): number[] {
  const all = machine.packages.flat();
  if (!Number.isInteger(count) || count < 1 || count > all.length) {
    throw new RangeError(`sharing: ${count} cores asked for; ${machine.name} has ${all.length}`);
  }
  return all.slice(0, count);
}

/** Virtual cycles for `subset` to make `updates` shared updates of `lines` lines each (file comment). */
export function simulateSharedCycles(
  machine: Machine,
  subset: readonly number[],
  lines: number,
  updates: number,
): number {
  const coherence = new CoherenceModel(machine, new CostModel(machine));
  // The lines lie in one page, allocated on the first thread's node (first touch).
  const home = machine.cores[subset[0]!]!.packageId;
  const lineIds = Array.from({ length: lines }, () => coherence.addLine(home));
  const readyCycles = subset.map(() => 0);
  const nextLine = subset.map(() => 0);
  const made = subset.map(() => 0);
  let remaining = subset.length * updates * lines;
  let endCycles = 0;
  while (remaining > 0) {
    let pick = -1;
    for (let i = 0; i < subset.length; i++) {
      if (made[i]! < updates && (pick < 0 || readyCycles[i]! < readyCycles[pick]!)) pick = i;
    }
    const line = nextLine[pick]!;
    const done = coherence.update(subset[pick]!, lineIds[line]!, readyCycles[pick]!);
    readyCycles[pick] = done;
    endCycles = Math.max(endCycles, done);
    if (line + 1 === lines) {
      nextLine[pick] = 0;
      made[pick]!++;
    } else nextLine[pick] = line + 1;
    remaining--;
  }
  return endCycles;
}

/** Virtual cycles for N-1 clients to stream `updates` requests each to a server core (file comment). */
export function simulateUrpcCycles(
  machine: Machine,
  subset: readonly number[],
  lines: number,
  updates: number,
): number {
  const server = subset[0]!;
  const expected = (subset.length - 1) * updates;
  const sim = new Simulation(machine, { seed: 1 });
  const request = new Uint8Array(4);
  let applied = 0;
  let lastCycles = -1;
  sim.addCore(
    server,
    (env: SimCoreEnv): CoreLogic => ({
      start() {},
      receive(_from, type) {
        if (type !== updateType) throw new Error(`sharing sim: unexpected message type ${type}`);
        env.chargeCycles(lines * sharingSimLocalUpdateCycles);
        if (++applied === expected) lastCycles = env.nowCycles();
      },
    }),
  );
  for (const client of subset.slice(1)) {
    sim.addCore(
      client,
      (env): CoreLogic => ({
        start() {
          for (let i = 0; i < updates; i++) env.portTo(server).send(updateType, request, request.length);
        },
        receive() {},
      }),
    );
  }
  const stats = sim.run({ maxEvents: expected * 16 + 1_000 });
  if (lastCycles < 0)
    throw new Error(`sharing sim: ${applied} of ${expected} updates applied (${stats.stoppedBy})`);
  return lastCycles;
}

/** The figure on a simulated machine; `cores` counts above the machine's are refused. */
export function simulateSharing(machineName: string, options: SharingOptions): SharingFigure {
  const machine = loadMachine(machineName);
  const results: SharingPoint[] = [];
  for (const mode of options.modes ?? modesAll) {
    for (const cores of options.cores) {
      if (mode === "urpc" && cores < 2) continue;
      const subset = firstCores(machine, cores);
      for (const lines of options.lines) {
        const cycles =
          mode === "shared"
            ? simulateSharedCycles(machine, subset, lines, options.updates)
            : simulateUrpcCycles(machine, subset, lines, options.updates);
        results.push(point(mode, cores, lines, options.updates, cycles / machine.clockGHz));
      }
    }
  }
  return { machine: machine.name, results };
}
