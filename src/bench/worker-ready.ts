// Waiting for a benchmark worker's first message ("ready"), bounded by benchWorkerStartTimeoutMs:
// a worker that fails to load rejects with its error, one that never answers with a timeout that
// names it. The timer is cleared either way.
import { once } from "node:events";
import type { Worker } from "node:worker_threads";
import { benchWorkerStartTimeoutMs } from "./waits.js";

export async function workerReady(worker: Worker, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: the worker did not start within ${benchWorkerStartTimeoutMs} ms`)),
      benchWorkerStartTimeoutMs,
    );
  });
  try {
    await Promise.race([once(worker, "message"), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
