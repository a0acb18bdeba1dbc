// `workerStartMs`, the baseline of `bench boot`: how long a bare worker thread (a trivial module,
// workers/bare-worker.ts) takes from `new Worker` to its first message arriving. A core's start can
// be no faster than this; the rest of a boot is the core's own code loading and the monitors
// connecting. The worker is terminated before the measurement returns.
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { workerReady } from "./worker-ready.js";

export async function timeWorkerStart(): Promise<number> {
  const startMs = performance.now();
  const worker = new Worker(new URL("./workers/bare-worker.js", import.meta.url));
  try {
    await workerReady(worker, "bench boot: bare worker");
    return performance.now() - startMs;
  } finally {
    await worker.terminate();
  }
}
