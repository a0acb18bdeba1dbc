// Baselines for a typed call with work in flight, beside `bench rpc`'s figures:
//   - the promise limit: one thread doing only what a call must do in JavaScript — create a
//     promise, keep its resolver in a map under a request id, resolve it, await it — with
//     `lanes` calls outstanding and no second thread: no channel, no encoding, no other core. The
//     "server" is a loop on the same thread that answers every call queued since its last turn.
//   - postMessage with calls in flight: the same echo between the main thread and a worker
//     (src/bench/workers/echo-worker.js), one promise per call paired with its reply by id, as a
//     user would write it; `lanes` calls outstanding.
// Both run through `runLanes`, which bench rpc's domain uses for its own calls in flight: each
// lane awaits its call before making the next, and every answer is checked. The postMessage run is bounded by benchReplyTimeoutMs without progress.
import { Worker } from "node:worker_threads";
import { benchReplyTimeoutMs } from "./waits.js";
import { workerReady } from "./worker-ready.js";

/** One call of an echo that answers x + 1. */
type Call = (x: number) => Promise<number>;

/**
 * Runs `calls` calls of `call(x)` with `lanes` outstanding (each lane awaits its call before making
 * the next) and hands each answer to `check`, which throws on a wrong one; returns calls per second
 * by `nowNs` (a domain passes its context's clock).
 */
export async function runLanes<T>(
  call: (x: number) => Promise<T>,
  check: (x: number, answer: T) => void,
  calls: number,
  lanes: number,
  nowNs: () => number = () => performance.now() * 1e6,
): Promise<number> {
  let issued = 0;
  const lane = async (): Promise<void> => {
    while (issued < calls) {
      const x = issued++;
      check(x, await call(x));
    }
  };
  const start = nowNs();
  await Promise.all(Array.from({ length: lanes }, lane));
  return calls / ((nowNs() - start) / 1e9);
}

function checkEcho(x: number, y: number): void {
  if (y !== x + 1) throw new Error(`call(${x}) answered ${y}`);
}

/** The language's limit for calls in flight on one thread; see the file comment. */
export async function measurePromiseLimit(calls: number, lanes: number): Promise<number> {
  const pending = new Map<number, (y: number) => void>();
  /** Request ids and arguments "sent" since the server's last turn, flattened. */
  const sent: number[] = [];
  let nextId = 0;
  let running = true;
  const call: Call = (x) =>
    new Promise<number>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      sent.push(id, x);
    });
  const server = async (): Promise<void> => {
    while (running) {
      for (let i = 0; i < sent.length; i += 2) {
        const id = sent[i]!;
        const resolve = pending.get(id)!;
        pending.delete(id);
        resolve(sent[i + 1]! + 1);
      }
      sent.length = 0;
      // The lanes' continuations were queued by the resolves above and run before this one.
      await Promise.resolve();
    }
  };
  const serving = server();
  try {
    return await runLanes(call, checkEcho, calls, lanes);
  } finally {
    running = false;
    await serving;
  }
}

/** The same echo over postMessage to a worker, with `lanes` calls in flight; calls per second. */
export async function measurePostMessageCalls(calls: number, lanes: number): Promise<number> {
  const worker = new Worker(new URL("./workers/echo-worker.js", import.meta.url));
  const pending = new Map<number, (y: number) => void>();
  let nextId = 0;
  let lastProgress = performance.now();
  let failure: ((error: Error) => void) | undefined;
  const stalled = new Promise<never>((_, reject) => {
    failure = reject;
  });
  const watchdog = setInterval(() => {
    if (performance.now() - lastProgress > benchReplyTimeoutMs)
      failure?.(new Error(`postMessage calls: no reply within ${benchReplyTimeoutMs} ms`));
  }, benchReplyTimeoutMs / 4);
  try {
    await workerReady(worker, "postMessage calls");
    worker.on("message", (reply: { id: number; x: number }) => {
      lastProgress = performance.now();
      const resolve = pending.get(reply.id);
      if (resolve === undefined) return;
      pending.delete(reply.id);
      resolve(reply.x + 1);
    });
    worker.on("error", (error) => failure?.(error));
    const call: Call = (x) =>
      new Promise<number>((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        worker.postMessage({ id, x });
      });
    return await Promise.race([runLanes(call, checkEcho, calls, lanes), stalled]);
  } finally {
    clearInterval(watchdog);
    stalled.catch(() => {});
    await worker.terminate();
  }
}
