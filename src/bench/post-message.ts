// Baselines from Node's own messaging: ping-pong with a worker over `postMessage`, and over a
// `MessageChannel` port pair; what URPC is compared against.
//
// The main thread starts bench/workers/echo-worker.js, waits (bounded) for its "ready", then runs
// warm-up round trips followed by the timed ones. The loop is driven by the "message" event rather
// than by awaiting a promise per message, so that only the messaging itself is measured. Every round
// trip is timed on its own with process.hrtime (tens of nanoseconds of overhead against microseconds
// of latency), and one-way figures are the round trips halved. A watchdog checks that progress is
// made at least every benchReplyTimeoutMs, so that a stuck worker fails the measurement instead of
// hanging it; the worker is terminated and the ports closed in every case.
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { benchRoundsMax } from "./rounds.js";
import { type Summary, summarise } from "./stats.js";
import { benchReplyTimeoutMs, benchWorkerStartTimeoutMs } from "./waits.js";

/** Round trips made and thrown away before timing starts (JIT, caches, thread wake-up). */
const warmupRounds = 1_000;

export interface PingPongResult {
  /** Median one-way latency (round trip / 2). */
  oneWayNs: number;
  /** 99th-percentile one-way latency. */
  oneWayP99Ns: number;
  /** All of the one-way figures, for tables that want more. */
  summary: Summary;
  rounds: number;
}

const echoWorkerUrl = new URL("./workers/echo-worker.js", import.meta.url);

/** Main thread ↔ worker, over the worker's own postMessage. */
export async function measurePostMessage(rounds: number): Promise<PingPongResult> {
  checkRounds(rounds);
  const worker = new Worker(echoWorkerUrl);
  try {
    return await pingPong(worker, worker, rounds);
  } finally {
    await worker.terminate();
  }
}

/** Main thread ↔ worker, over a MessageChannel whose second port was transferred to the worker. */
export async function measureMessageChannel(rounds: number): Promise<PingPongResult> {
  checkRounds(rounds);
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(echoWorkerUrl, { workerData: { port: port2 }, transferList: [port2] });
  try {
    return await pingPong(port1, worker, rounds);
  } finally {
    port1.close();
    await worker.terminate();
  }
}

type Endpoint = Worker | MessagePort;

function pingPong(endpoint: Endpoint, worker: Worker, rounds: number): Promise<PingPongResult> {
  return new Promise((resolve, reject) => {
    const roundTripNs = new Float64Array(rounds);
    const total = warmupRounds + rounds;
    let ready = false;
    let sent = 0;
    let received = 0;
    let receivedAtLastCheck = -1;
    let startedAt = 0n;

    const finish = (error: Error | null): void => {
      clearTimeout(startTimer);
      clearInterval(watchdog);
      endpoint.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      if (error !== null) {
        reject(error);
        return;
      }
      const oneWayNs = roundTripNs.map((ns) => ns / 2);
      const summary = summarise(oneWayNs);
      resolve({ oneWayNs: summary.p50Ns, oneWayP99Ns: summary.p99Ns, summary, rounds });
    };
    const send = (): void => {
      sent++;
      startedAt = process.hrtime.bigint();
      endpoint.postMessage(sent);
    };
    const onMessage = (message: unknown): void => {
      const now = process.hrtime.bigint();
      if (!ready) {
        if (message !== "ready") {
          finish(new Error(`echo worker sent ${String(message)} before "ready"`));
        } else {
          ready = true;
          clearTimeout(startTimer);
          send();
        }
        return;
      }
      if (message !== sent) {
        finish(new Error(`echo worker answered ${String(message)} to ${sent}`));
        return;
      }
      const index = received - warmupRounds;
      if (index >= 0) roundTripNs[index] = Number(now - startedAt);
      received++;
      if (received === total) finish(null);
      else send();
    };
    const onError = (error: Error): void => finish(error);
    const onExit = (code: number): void =>
      finish(new Error(`echo worker exited (code ${code}) mid-measurement`));

    const startTimer = setTimeout(
      () => finish(new Error(`echo worker not ready within ${benchWorkerStartTimeoutMs} ms`)),
      benchWorkerStartTimeoutMs,
    );
    const watchdog = setInterval(() => {
      if (ready && received === receivedAtLastCheck) {
        finish(new Error(`no reply from the echo worker within ${benchReplyTimeoutMs} ms`));
      }
      receivedAtLastCheck = received;
    }, benchReplyTimeoutMs);

    endpoint.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    if ("start" in endpoint) endpoint.start();
  });
}

function checkRounds(rounds: number): void {
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > benchRoundsMax) {
    throw new RangeError(`rounds must be an integer in [1, ${benchRoundsMax}], got ${rounds}`);
  }
}
