// The postMessage baseline of `multikernel bench kv`: the same store and workload over N worker
// threads that talk through MessageChannel ports (bench/workers/kv-shard-worker.ts).
//
// For every client i and shard j (i = j included) the main thread makes one MessageChannel and
// hands one port to worker i to call on and the other to worker j to serve on, so that each pair
// has its own FIFO channel, as a binding in the domain does. Then:
//   1. wait until every worker says "ready" (started, filled and warmed up);
//   2. send every worker "go", so that the timed phases overlap;
//   3. collect every worker's report and combine them (kv-figures.ts).
// Each wait is bounded by kvPhaseTimeoutMs; a worker that fails (a wrong get throws there) or exits
// fails the measurement. The workers are terminated in every case.
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { combineKvResults, type KvClientResult, type KvFigures } from "./kv-figures.js";
import { type KvSettings, kvPhaseTimeoutMs } from "./kv-settings.js";
import type { KvShardWorkerData } from "./workers/kv-shard-worker.js";

const workerUrl = new URL("./workers/kv-shard-worker.js", import.meta.url);

/** Runs the workload on `clients` workers over postMessage; resolves with the combined figures. */
export async function measurePostMessageKv(clients: number, settings: KvSettings): Promise<KvFigures> {
  if (!Number.isInteger(clients) || clients < 1)
    throw new RangeError(`bench kv: postMessage baseline needs at least one worker, got ${clients}`);
  const workers = startWorkers(clients, settings);
  try {
    const ready = workers.map((worker, i) => nextMessage(worker, `worker ${i}, fill and warm-up`));
    for (const message of await Promise.all(ready))
      if (message !== "ready")
        throw new Error(`bench kv: a worker sent ${JSON.stringify(message)}, not "ready"`);
    const reports = workers.map((worker, i) => nextMessage(worker, `worker ${i}, timed phase`));
    for (const worker of workers) worker.postMessage("go");
    const results = (await Promise.all(reports)).map(
      (message) => (message as { result: KvClientResult }).result,
    );
    return combineKvResults(results, clients);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

function startWorkers(clients: number, settings: KvSettings): Worker[] {
  const shardPorts: MessagePort[][] = Array.from({ length: clients }, () => []);
  const clientPorts: MessagePort[][] = Array.from({ length: clients }, () => []);
  for (let client = 0; client < clients; client++) {
    for (let shard = 0; shard < clients; shard++) {
      const { port1, port2 } = new MessageChannel();
      shardPorts[client]!.push(port1);
      clientPorts[shard]!.push(port2);
    }
  }
  return shardPorts.map((ports, client) => {
    const data: KvShardWorkerData = {
      client,
      settings,
      shardPorts: ports,
      clientPorts: clientPorts[client]!,
    };
    return new Worker(workerUrl, { workerData: data, transferList: [...ports, ...clientPorts[client]!] });
  });
}

/** The worker's next message; rejects if it fails, exits or stays silent for kvPhaseTimeoutMs. */
function nextMessage(worker: Worker, what: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer);
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    };
    const onMessage = (message: unknown): void => {
      settle();
      resolve(message);
    };
    const onError = (error: Error): void => {
      settle();
      reject(new Error(`bench kv: postMessage baseline, ${what}: ${error.message}`));
    };
    const onExit = (code: number): void => {
      settle();
      reject(new Error(`bench kv: postMessage baseline, ${what}: the worker exited (code ${code})`));
    };
    const timer = setTimeout(() => {
      settle();
      reject(new Error(`bench kv: postMessage baseline, ${what}: nothing within ${kvPhaseTimeoutMs} ms`));
    }, kvPhaseTimeoutMs);
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}
