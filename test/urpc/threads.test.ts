// URPC between two worker threads: a million messages of random sizes with no loss, duplication or
// reordering, and thousands of sleep/wake round trips in which a lost wake-up would show up as a
// sleep that ends by its timeout. The test thread only hands over the buffer and collects reports.
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { UrpcChannel } from "../../src/urpc/index.js";
import type { PeerData, PeerReport, PeerRole } from "./workers/urpc-test-peer.js";

/** Messages in the streaming test. */
const streamMessages = 1_000_000;
/** Round trips in each sleep/wake stress test. */
const wakeRoundTrips = 3_000;
/** Longest any one wait inside a worker may take (a message, credit, a wake-up). */
const peerWaitTimeoutMs = 5_000;
/** Longest a whole two-worker run may take before the test gives up on it. */
const runTimeoutMs = 50_000;

const peerScript = new URL("./workers/urpc-test-peer.js", import.meta.url);

/** Runs two peers on one fresh channel (side 0 and side 1) and returns their reports. */
async function runPair(
  roles: readonly [PeerRole, PeerRole],
  count: number,
): Promise<[PeerReport, PeerReport]> {
  const memory = UrpcChannel.allocate();
  const workers = roles.map((role, side) => {
    const data: PeerData = { memory, side: side as 0 | 1, role, count, timeoutMs: peerWaitTimeoutMs };
    return new Worker(peerScript, { workerData: data });
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const reports = Promise.all(
      workers.map(async (worker) => {
        const [report] = (await once(worker, "message")) as [PeerReport];
        return report;
      }),
    );
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${roles.join("/")}: no reports within ${runTimeoutMs} ms`)),
        runTimeoutMs,
      );
    });
    const [a, b] = await Promise.race([reports, timeout]);
    return [a!, b!];
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

function assertClean(report: PeerReport, done: number): void {
  assert.equal(report.firstProblem, undefined, `${report.role}: ${report.firstProblem}`);
  assert.equal(report.bad, 0);
  assert.equal(report.done, done, `${report.role} finished ${report.done} of ${done}`);
}

test("a million messages of random sizes arrive in order, each once, byte for byte", async () => {
  const [sender, receiver] = await runPair(["stream-send", "stream-receive"], streamMessages);
  assertClean(sender, streamMessages);
  assertClean(receiver, streamMessages);
});

test("sleep and wake: thousands of round trips with no spinning lose no wake-up (Atomics.wait)", async () => {
  const [ping, pong] = await runPair(["ping", "pong"], wakeRoundTrips);
  assertClean(ping, wakeRoundTrips);
  assertClean(pong, wakeRoundTrips);
  assert.equal(ping.sleepsTimedOut + pong.sleepsTimedOut, 0, "a sleep ended by timeout: a lost wake-up");
  // Both sides went to sleep (rather than finding the message already there) at least once.
  assert.ok(ping.sleeps > 0 && pong.sleeps > 0, `sleeps: ping ${ping.sleeps}, pong ${pong.sleeps}`);
});

test("sleep and wake: the same with Atomics.waitAsync", async () => {
  const [ping, pong] = await runPair(["ping-async", "pong-async"], wakeRoundTrips);
  assertClean(ping, wakeRoundTrips);
  assertClean(pong, wakeRoundTrips);
  assert.equal(ping.sleepsTimedOut + pong.sleepsTimedOut, 0, "a sleep ended by timeout: a lost wake-up");
  assert.ok(ping.sleeps > 0 && pong.sleeps > 0, `sleeps: ping ${ping.sleeps}, pong ${pong.sleeps}`);
});

test("sleep and wake through UrpcChannel.waitForMessage with spinNs = 0 on both sides", async () => {
  const [ping, pong] = await runPair(["ping-api", "pong-api"], wakeRoundTrips);
  assertClean(ping, wakeRoundTrips);
  assertClean(pong, wakeRoundTrips);
});
