// Measures the URPC channel between the main thread and a worker: polled ping-pong latency, the
// wake-up path (receiver asleep before every message), and one-way streaming throughput.
//
// Latency is timed per batch of round trips (the clock read costs tens of nanoseconds, a round trip
// a few hundred), and one-way = round trip / 2; p50 and p99 are over batches. Streaming sends
// one-slot messages with deferred publication (one sequentially consistent store per batch of
// publishBatchSlotsMax), which is the channel's own API for bulk sending.
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { slotPayloadBytes, UrpcGeometry } from "../limits.js";
import { UrpcChannel } from "../urpc/index.js";
import { percentileSorted } from "./stats.js";
import { PeerMessage, reserveWaiting, type UrpcPeerData } from "./urpc-peer-protocol.js";
import { benchReplyTimeoutMs } from "./waits.js";
import { workerReady } from "./worker-ready.js";

export interface UrpcChannelFigures {
  readonly urpcOneWayNs: number;
  readonly urpcOneWayP99Ns: number;
  /** Ping-pong with both sides copying each message from a buffer (sendBlocking). */
  readonly urpcCopyOneWayNs: number;
  readonly urpcCopyOneWayP99Ns: number;
  /** Streaming with zero-copy sends (reserveSlot/commit). */
  readonly urpcMsgsPerSec: number;
  /** Streaming with sends copied from the caller's buffer (trySendDeferred). */
  readonly urpcCopyMsgsPerSec: number;
  readonly urpcWakeOneWayNs: number;
  readonly urpcWakeOneWayP99Ns: number;
}

const roundTripsPerBatch = 32;
/** Messages per streaming run, and runs per streaming figure (the median is reported). */
export const streamMessagesPerRun = 1 << 20;
export const streamRuns = 5;

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
    await workerReady(worker, `bench ${role}`);
    const result = body(channel);
    channel.sendBlocking(PeerMessage.stopType, new Uint8Array(4), 0, benchReplyTimeoutMs);
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

/**
 * One ping: zero-copy (its two words written straight into a reserved slot, published at once) or
 * copied from a buffer by sendBlocking.
 */
function sendPing(channel: UrpcChannel, ping: Uint8Array, sequence: number, zeroCopy: boolean): void {
  if (!zeroCopy) {
    channel.sendBlocking(PeerMessage.pingType, ping, PeerMessage.pingBytes, benchReplyTimeoutMs);
    return;
  }
  const slot = reserveWaiting(channel);
  const words = channel.sender.words;
  words[slot] = sequence;
  words[slot + 1] = 0;
  channel.sender.commit(slot, PeerMessage.pingType, PeerMessage.pingBytes, true);
}

function pingPong(channel: UrpcChannel, rounds: number, warmupRounds: number, zeroCopy: boolean): number[] {
  const ping = new Uint8Array(slotPayloadBytes);
  const ignore = () => {};
  for (let i = 0; i < warmupRounds; i++) {
    sendPing(channel, ping, i, zeroCopy);
    waitReply(channel, ignore);
  }
  const samples: number[] = [];
  const batches = Math.max(1, Math.floor(rounds / roundTripsPerBatch));
  for (let b = 0; b < batches; b++) {
    const start = performance.now();
    for (let i = 0; i < roundTripsPerBatch; i++) {
      sendPing(channel, ping, i, zeroCopy);
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
    channel.sendBlocking(PeerMessage.pingType, ping, PeerMessage.pingBytes, benchReplyTimeoutMs);
    if (!channel.waitForMessage(benchReplyTimeoutMs, 0)) throw new Error("wake ping-pong: no reply");
    channel.poll(ignore, 1);
    samples.push(((performance.now() - start) * 1e6) / 2);
  }
  return samples.sort((a, b) => a - b);
}

/** Waits for the sink's answer to a run: every message counted, in order. */
function awaitSinkVerdict(channel: UrpcChannel): void {
  let verdict = -1;
  waitReply(channel, (type) => {
    verdict = type;
  });
  if (verdict !== PeerMessage.sinkInOrderType)
    throw new Error(`${channel.name}: the sink saw the stream's messages out of order or lost`);
}

/**
 * Zero-copy streaming: each message's 60 bytes are written straight into its reserved slot (the
 * sequence number in every word, which the sink checks), then committed to the open batch; the
 * batch is published every publishBatchSlotsMax slots, as Barrelfish's stubs marshal into the
 * message slot itself.
 */
function streamZeroCopy(channel: UrpcChannel, messages: number): number {
  const sender = channel.sender;
  const words = sender.words;
  const start = performance.now();
  for (let i = 0; i < messages; i++) {
    let slot = sender.reserveSlot();
    if (slot < 0) slot = reserveWaiting(channel);
    // Unrolled, highest word first, as ring.ts's copyFullSlot: a loop is about twice as slow in Node 20.
    words[slot + 14] = i;
    words[slot] = i;
    words[slot + 1] = i;
    words[slot + 2] = i;
    words[slot + 3] = i;
    words[slot + 4] = i;
    words[slot + 5] = i;
    words[slot + 6] = i;
    words[slot + 7] = i;
    words[slot + 8] = i;
    words[slot + 9] = i;
    words[slot + 10] = i;
    words[slot + 11] = i;
    words[slot + 12] = i;
    words[slot + 13] = i;
    sender.commit(slot, PeerMessage.streamType, UrpcGeometry.slotPayloadBytes, false);
  }
  channel.flush();
  awaitSinkVerdict(channel);
  return messages / ((performance.now() - start) / 1000);
}

/** Copying streaming: each message is copied from the caller's 60-byte buffer (trySendDeferred). */
function streamCopied(channel: UrpcChannel, messages: number): number {
  const payload = new Uint8Array(slotPayloadBytes);
  const start = performance.now();
  for (let i = 0; i < messages; i++) {
    payload[0] = i;
    if (!channel.trySendDeferred(PeerMessage.streamType, payload, UrpcGeometry.slotPayloadBytes)) {
      const deadline = performance.now() + benchReplyTimeoutMs;
      while (!channel.trySendDeferred(PeerMessage.streamType, payload, UrpcGeometry.slotPayloadBytes)) {
        if (performance.now() > deadline)
          throw new Error(`${channel.name}: the sink made no room within ${benchReplyTimeoutMs} ms`);
      }
    }
  }
  channel.flush();
  awaitSinkVerdict(channel);
  return messages / ((performance.now() - start) / 1000);
}

export async function measureUrpcChannel(rounds: number, warmupRounds: number): Promise<UrpcChannelFigures> {
  const polled = await withPeer("echo", 0, (channel) => pingPong(channel, rounds, warmupRounds, true));
  const copied = await withPeer("echo-copy", 0, (channel) => pingPong(channel, rounds, warmupRounds, false));
  const wake = await withPeer("echo-sleep", 0, (channel) => wakePingPong(channel, Math.min(rounds, 2000)));
  // Each streaming run gets a fresh sink worker, warmed up by one unmeasured run: how fast a stream
  // goes depends on the receiving thread (where it runs, how its code was compiled) and varies from
  // one worker to the next by up to 1.7x, so the median is taken over workers, not over one worker.
  const rates: number[] = [];
  const copiedRates: number[] = [];
  for (let run = 0; run < streamRuns; run++) {
    await withPeer("sink", streamMessagesPerRun, (channel) => {
      streamZeroCopy(channel, streamMessagesPerRun);
      rates.push(streamZeroCopy(channel, streamMessagesPerRun));
      copiedRates.push(streamCopied(channel, streamMessagesPerRun));
    });
  }
  rates.sort((a, b) => a - b);
  copiedRates.sort((a, b) => a - b);
  return {
    urpcOneWayNs: percentileSorted(polled, 50),
    urpcOneWayP99Ns: percentileSorted(polled, 99),
    urpcCopyOneWayNs: percentileSorted(copied, 50),
    urpcCopyOneWayP99Ns: percentileSorted(copied, 99),
    urpcMsgsPerSec: percentileSorted(rates, 50),
    urpcCopyMsgsPerSec: percentileSorted(copiedRates, 50),
    urpcWakeOneWayNs: percentileSorted(wake, 50),
    urpcWakeOneWayP99Ns: percentileSorted(wake, 99),
  };
}

/** The bare channel underneath a typed call, for `bench rpc`'s same-run baseline. */
export interface UrpcBaseline {
  /** Zero-copy polled ping-pong, round trip (p50 of batches). */
  readonly urpcRoundTripNs: number;
  /** Zero-copy streaming (median over `runs` fresh sink workers). */
  readonly urpcMsgsPerSec: number;
}

/** The channel's zero-copy round trip and streaming rate, as measureUrpcChannel measures them. */
export async function measureUrpcBaseline(
  rounds: number,
  warmupRounds: number,
  runs: number,
): Promise<UrpcBaseline> {
  const polled = await withPeer("echo", 0, (channel) => pingPong(channel, rounds, warmupRounds, true));
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) {
    await withPeer("sink", streamMessagesPerRun, (channel) => {
      streamZeroCopy(channel, streamMessagesPerRun);
      rates.push(streamZeroCopy(channel, streamMessagesPerRun));
    });
  }
  rates.sort((a, b) => a - b);
  return { urpcRoundTripNs: 2 * percentileSorted(polled, 50), urpcMsgsPerSec: percentileSorted(rates, 50) };
}
