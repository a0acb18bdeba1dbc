// The worker thread in which `sim --program` runs a domain program (program-host.ts starts it).
//
// It loads the program (src/platform/program: TypeScript or JavaScript, source maps on; under the
// host guard, so that code run at import cannot reach the process or the host's timers either), runs the program scenario on the simulated machine, and
// posts the log lines and then the result to its parent. Around every handler it writes, into the
// shared progress array the parent gave it, a heartbeat and the core whose handler runs: a
// handler that never returns stops the heartbeat, and the parent's watchdog ends this thread.

import { parentPort, workerData } from "node:worker_threads";
import { loadProgram, prepareProgramLoading } from "../program/program-loader.js";
import { guardHost } from "./host-guard.js";
import { loadMachine } from "./machine.js";
import {
  type ProgramWorkerData,
  type ProgramWorkerMessage,
  progressBeat,
  progressCore,
} from "./program-protocol.js";
import { programScenario } from "./scenarios/program.js";
import { runScenario } from "./scenarios/scenario.js";

async function work(data: ProgramWorkerData): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error("sim: program-worker.js runs only as a worker thread");
  const progress = new Int32Array(data.progress);
  const beat = (): void => {
    Atomics.add(progress, progressBeat, 1);
  };
  beat(); // Loaded: the watchdog is armed from here.
  prepareProgramLoading(); // Its hooks thread starts before the guard holds the host's timers.
  const guard = guardHost();
  try {
    const main = await loadProgram(data.programUrl);
    const result = await runScenario(
      programScenario({
        program: data.program,
        main,
        cores: data.cores,
        ...(data.args === undefined ? {} : { args: data.args }),
      }),
      {
        machine: loadMachine(data.machine),
        seed: data.seed,
        cores: data.cores,
        faults: data.faults,
        liveness: data.liveness,
        trace: data.trace,
        onStep: beat,
        onHandler: (core) => {
          Atomics.store(progress, progressCore, core);
          beat();
        },
        ...(data.verbose
          ? { log: (line: string) => port.postMessage({ kind: "log", line } satisfies ProgramWorkerMessage) }
          : {}),
      },
    );
    port.postMessage({ kind: "result", result } satisfies ProgramWorkerMessage);
  } finally {
    guard.release();
  }
}

await work(workerData as ProgramWorkerData);
