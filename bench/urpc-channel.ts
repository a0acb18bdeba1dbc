// Measures the URPC channel between the main thread and a worker: polled ping-pong latency, the
// wake-up path (receiver asleep before every message), and one-way streaming throughput.
//
// Latency is timed per batch of round trips (the clock read costs tens of nanoseconds, a round trip
// a few hundred), and one-way = round trip / 2; p50 and p99 are over batches. Streaming sends
// one-slot messages with deferred publication (one sequentially consistent store per batch of
// publishBatchSlotsMax), which is the channel's own API for bulk sending.
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { benchReplyTimeoutMs, benchWorkerStartTimeoutMs, slotPayloadBytes } from "../src/limits.js";
import { UrpcChannel } from "../src/urpc/index.js";
import { stopType, type UrpcPeerData } from "./urpc-peer-protocol.js";

export interface UrpcChannelFigures {
  readonly urpcOneWayNs: number;
  readonly urpcOneWayP99Ns: number;
  readonly urpcMsgsPerSec: number;
  readonly urpcWakeOneWayNs: number;
  readonly urpcWakeOneWayP99Ns: number;
}

const roundTripsPerBatch = 32;
const streamMessagesPerRun = 1 << 20;
const streamRuns = 5;
const streamPayloadBytes = slotPayloadBytes;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function withPeer<T>(
  role: UrpcPeerData["role"],
  count: number,
  body: (channel: UrpcChannel) => T,
): Promise<T> {
  const memory = UrpcChannel.allocate();
  const channel = new UrpcChannel(memory, 0, 0, `bench ${role}`);
  const data: UrpcPeerData = { memory, role, count };
  const worker = new Worker(new URL("./workers/urpc-peer.js", import.meta.url), { workerData: data });
  try {
    const ready = once(worker, "message");
    const started = await Promise.race([
      ready,
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`bench ${role}: worker did not start`)),
          benchWorkerStartTimeoutMs,
        ).unref(),
      ),
    ]);
    void started;
    const result = body(channel);
    channel.sendBlocking(stopType, new Uint8Array(4), 0, benchReplyTimeoutMs);
    return result;
  } finally {
    await worker.terminate();
  }
}

/**
 * Polls for a reply this many times before falling back to the channel's bounded wait: a tight loop
 * of polls (each one Atomics.load when the ring is empty) notices the reply sooner than the wait's
 * clock-reading spin would.
 */
const replyPollsBeforeWait = 1 << 12;

function waitReply(channel: UrpcChannel, onMessage: (t: number, b: Uint8Array, l: number) => void): void {
  for (let i = 0; i < replyPollsBeforeWait; i++) if (channel.poll(onMessage, 1) === 1) return;
  if (!channel.waitForMessage(benchReplyTimeoutMs))
    throw new Error(`${channel.name}: no reply within ${benchReplyTimeoutMs} ms`);
  channel.poll(onMessage, 1);
}

function pingPong(channel: UrpcChannel, rounds: number, warmupRounds: number): number[] {
  const ping = new Uint8Array(slotPayloadBytes);
  const ignore = () => {};
  for (let i = 0; i < warmupRounds; i++) {
    channel.sendBlocking(1, ping, 8, benchReplyTimeoutMs);
    waitReply(channel, ignore);
  }
  const samples: number[] = [];
  const batches = Math.max(1, Math.floor(rounds / roundTripsPerBatch));
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let i = 0; i < roundTripsPerBatch; i++) {
      channel.sendBlocking(1, ping, 8, benchReplyTimeoutMs);
      waitReply(channel, ignore);
    }
    samples.push(((performance.now() - start) * 1e6) / roundTripsPerBatch / 2);
  }
  return samples.sort((a, b) => a - b);
}

function wakePingPong(channel: UrpcChannel, rounds: number): number[] {
  const ping = new Uint8Array(slotPayloadBytes);
  const ignore = () => {};
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    channel.sendBlocking(1, ping, 8, benchReplyTimeoutMs);
    if (!channel.waitForMessage(benchReplyTimeoutMs, 0)) throw new Error("wake ping-pong: no reply");
    channel.poll(ignore, 1);
    samples.push(((performance.now() - start) * 1e6) / 2);
  }
  return samples.sort((a, b) => a - b);
}

function stream(channel: UrpcChannel, messages: number): number {
  const payload = new Uint8Array(slotPayloadBytes);
  const ignore = () => {};
  const start = performance.now();
  for (let i = 0; i < messages; i++) {
    if (!channel.trySendDeferred(2, payload, streamPayloadBytes)) {
      channel.flush();
      while (!channel.trySendDeferred(2, payload, streamPayloadBytes)) {
        /* the receiver is draining: spin on cached credit */
      }
    }
  }
  channel.flush();
  waitReply(channel, ignore);
  return messages / ((performance.now() - start) / 1000);
}

export async function measureUrpcChannel(rounds: number, warmupRounds: number): Promise<UrpcChannelFigures> {
  const polled = await withPeer("echo", 0, (channel) => pingPong(channel, rounds, warmupRounds));
  const wake = await withPeer("echo-sleep", 0, (channel) => wakePingPong(channel, Math.min(rounds, 2000)));
  const rates = await withPeer("sink", streamMessagesPerRun, (channel) => {
    const r: number[] = [];
    for (let i = 0; i < streamRuns; i++) r.push(stream(channel, streamMessagesPerRun));
    return r.sort((a, b) => a - b);
  });
  return {
    urpcOneWayNs: percentile(polled, 50),
    urpcOneWayP99Ns: percentile(polled, 99),
    urpcMsgsPerSec: percentile(rates, 50),
    urpcWakeOneWayNs: percentile(wake, 50),
    urpcWakeOneWayP99Ns: percentile(wake, 99),
  };
}
