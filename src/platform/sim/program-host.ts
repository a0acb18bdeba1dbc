// `sim --program FILE` off the main thread: the simulation of a domain program in a worker thread
// (program-worker.ts), under a watchdog that bounds each handler's host time.
//
// Simulated code is the user's, and a synchronous busy loop (`while (true) {}`) in a handler holds
// the thread that runs it: no check at a yield point is ever reached, and the host guard
// (host-guard.ts) cannot help. So the simulation runs in a worker, which writes a heartbeat into
// a shared array around every handler and before every chunk of events, and the core whose
// handler runs. The main thread looks every simWatchdogPollMs; when the heartbeat has not moved for
// `handlerHostMs` of host time it ends the worker (Worker.terminate interrupts a busy loop) and
// reports the run stopped by the watchdog, naming the core whose handler never returned (or code
// between handlers: a domain's continuation after an await). A process.exit that escapes the guard
// ends only the worker, and is reported as such.
// The program's arguments (checked first, as `run` checks them: run-data.ts) go to the worker in
// its workerData; each core's result comes back inside the run's result.
// Cost: a worker's start (tens of milliseconds, the program loaded in it), the result copied back
// by structured clone, and two atomic writes per handler; what the bound cannot tell apart is a
// legitimate handler longer than it (none is: handlers are short), so it is a flag (--handler-ms).
// A caller may bound the whole run too (`timeoutMs`, the library's `simulate`): past it, the worker
// is ended the same way and the run reported stopped by the watchdog, with a timeout violation.

import { Worker } from "node:worker_threads";
import { checkRunArgs } from "../../domain/run-data.js";
import { simHandlerHostMsDefault, simWatchdogPollMs } from "../../limits.js";
import { hostClearInterval, hostSetInterval } from "./host-guard.js";
import {
  type ProgramRunSpec,
  type ProgramWorkerData,
  type ProgramWorkerMessage,
  progressBeat,
  progressCore,
  progressSlots,
} from "./program-protocol.js";
import type { ScenarioResult } from "./scenarios/scenario.js";

export interface ProgramHostOptions extends ProgramRunSpec {
  /** The machine's name in reports. */
  readonly machineName: string;
  readonly log?: (line: string) => void;
  /** Host time a handler may run before the watchdog ends the run (default simHandlerHostMsDefault). */
  readonly handlerHostMs?: number;
  /** Host time the whole run may take before the watchdog ends it (default: no bound but the handler's). */
  readonly timeoutMs?: number;
}

/** Runs the program scenario in a worker under the watchdog (see the file comment). */
export function runProgramHosted(options: ProgramHostOptions): Promise<ScenarioResult> {
  const handlerHostMs = options.handlerHostMs ?? simHandlerHostMsDefault;
  if (options.args !== undefined) checkRunArgs(options.args, "sim");
  if (!(Number.isFinite(handlerHostMs) && handlerHostMs > 0))
    throw new RangeError(`sim: the handler bound must be a positive number of ms, got ${handlerHostMs}`);
  const timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
  if (!(timeoutMs > 0))
    throw new RangeError(`sim: the run's timeout must be a positive number of ms, got ${timeoutMs}`);
  const progressBuffer = new SharedArrayBuffer(progressSlots * Int32Array.BYTES_PER_ELEMENT);
  const progress = new Int32Array(progressBuffer);
  Atomics.store(progress, progressCore, -1);
  const workerData: ProgramWorkerData = {
    programUrl: options.programUrl,
    program: options.program,
    machine: options.machine,
    seed: options.seed,
    cores: options.cores,
    ...(options.args === undefined ? {} : { args: options.args }),
    faults: options.faults,
    liveness: options.liveness,
    trace: options.trace,
    verbose: options.log !== undefined,
    progress: progressBuffer,
  };
  const worker = new Worker(new URL("./program-worker.js", import.meta.url), { workerData });
  return new Promise<ScenarioResult>((resolve, reject) => {
    let settled = false;
    // Armed by the worker's first heartbeat, once its own modules are loaded.
    let lastBeat = 0;
    const startedMs = performance.now();
    let lastMovedMs = startedMs;
    const settle = (finish: () => void): void => {
      if (settled) return;
      settled = true;
      hostClearInterval(watchdog);
      finish();
    };
    const watchdog = hostSetInterval(() => {
      const beat = Atomics.load(progress, progressBeat);
      const nowMs = performance.now();
      if (nowMs - startedMs > timeoutMs) {
        settle(() => {
          void worker.terminate();
          resolve(stoppedResult(options, timeoutViolation(timeoutMs)));
        });
        return;
      }
      if (beat !== lastBeat || beat === 0) {
        lastBeat = beat;
        lastMovedMs = nowMs;
        return;
      }
      if (nowMs - lastMovedMs <= handlerHostMs) return;
      const core = Atomics.load(progress, progressCore);
      settle(() => {
        void worker.terminate();
        resolve(stoppedResult(options, watchdogViolation(core, handlerHostMs)));
      });
    }, simWatchdogPollMs);
    worker.on("message", (message: ProgramWorkerMessage) => {
      if (message.kind === "log") options.log?.(message.line);
      else settle(() => resolve(message.result as ScenarioResult));
    });
    worker.on("error", (error) => settle(() => reject(error)));
    worker.on("exit", (code) =>
      settle(() =>
        resolve(
          stoppedResult(
            options,
            `host: the simulation's thread exited with status ${code} before the run ended`,
          ),
        ),
      ),
    );
  });
}

function watchdogViolation(core: number, handlerHostMs: number): string {
  const where =
    core >= 0
      ? `core ${core}'s handler`
      : "simulated code between handlers (a domain's continuation after an await, or the program's loading)";
  return `watchdog: ${where} ran for more than ${handlerHostMs} ms of host time without returning (a busy loop?); the run was ended`;
}

function timeoutViolation(timeoutMs: number): string {
  return `timeout: the run took more than ${timeoutMs} ms of host time and was ended (a domain waiting forever?)`;
}

/** The result of a run the host had to end: no figures survive the worker. */
function stoppedResult(options: ProgramHostOptions, violation: string): ScenarioResult {
  return {
    scenario: "program",
    machine: options.machineName,
    seed: options.seed,
    cores: [...options.cores].sort((a, b) => a - b),
    faults: options.faults,
    liveness: options.liveness,
    stoppedBy: "watchdog",
    completed: false,
    virtualCycles: 0,
    virtualNs: 0,
    events: 0,
    deliveries: 0,
    dropped: 0,
    crashed: [],
    detections: [],
    lines: [`program ${options.program}: the run was ended before it finished; its figures are lost`],
    results: { program: options.program },
    violations: [violation],
  };
}
