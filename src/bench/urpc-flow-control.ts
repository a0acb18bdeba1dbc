// The flow-control experiment behind docs/urpc.md: streaming one-slot messages from the main
// thread to a worker, with receiver-cleared slots against the channel's ack line, in one run.
//
//   cleared slots       bare ring; the sender waits for a slot's header to read 0, the receiver
//                       stores 0 after reading it (one atomic store per message on each side, and
//                       the slot's line crosses between the cores twice per message)
//   ack line            bare ring, same code shape; epoch bits say a slot is new and the receiver
//                       publishes its consumed count every ackEverySlots slots; the sender reads
//                       that count only when its cached credit runs out
//   channel, trySend    UrpcChannel: ack line, one atomic store per message
//   channel, deferred   UrpcChannel: ack line, one atomic store per batch of publishBatchSlotsMax
//
// The bare rings isolate the flow-control discipline (both publish with one atomic store per
// message); the channel rows show what the full code path achieves. Each row is the median of
// `runs` runs of 2^20 messages of 60 bytes. Usage: node dist/bench/urpc-flow-control.js [--json]
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { ackEverySlots, slotPayloadBytes, slotsPerRing } from "../limits.js";
import { allocateAlignedShared } from "../urpc/aligned-memory.js";
import { UrpcChannel } from "../urpc/index.js";
import { type FlowControlPeerData, flowLayout } from "./urpc-flow-control-layout.js";
import { PeerMessage, type UrpcPeerData } from "./urpc-peer-protocol.js";
import { benchReplyTimeoutMs, benchSpinsPerClockRead } from "./waits.js";
import { workerReady } from "./worker-ready.js";

/** Messages per timed run. */
const messagesPerRun = 1 << 20;
/** Timed runs per variant (the first is a warm-up, not counted). */
const runs = 6;

const payloadWords = slotPayloadBytes / 4;
const slotMask = slotsPerRing - 1;
const lapShift = Math.log2(slotsPerRing);

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Waits, bounded, until the worker has finished run `run`. */
function waitRun(words: Int32Array, run: number): void {
  const deadline = performance.now() + benchReplyTimeoutMs;
  for (;;) {
    const done = Atomics.load(words, flowLayout.doneWord);
    if (done >= run) return;
    const left = deadline - performance.now();
    if (left <= 0)
      throw new Error(`flow-control bench: run ${run} did not finish within ${benchReplyTimeoutMs} ms`);
    Atomics.wait(words, flowLayout.doneWord, done, left);
  }
}

/** When the current wait for room began (read at its first clock check). */
let waitStartMs = 0;

/** Bounds one wait for room: the clock is read once every benchSpinsPerClockRead spins. */
function spinDeadlineCheck(spins: number): void {
  if (spins % benchSpinsPerClockRead !== 0) return;
  const now = performance.now();
  if (spins === benchSpinsPerClockRead) waitStartMs = now;
  else if (now - waitStartMs > benchReplyTimeoutMs) {
    throw new Error(`flow-control bench: the receiver made no room within ${benchReplyTimeoutMs} ms`);
  }
}

function sendCleared(words: Int32Array, writeIndex: number): number {
  for (let n = 0; n < messagesPerRun; n++) {
    const base = flowLayout.slotWord(writeIndex & slotMask);
    const header = base + flowLayout.headerWordIndex;
    for (let spins = 1; Atomics.load(words, header) !== 0; spins++) spinDeadlineCheck(spins);
    for (let i = 0; i < payloadWords; i++) words[base + i] = n;
    Atomics.store(words, header, 1 | (slotPayloadBytes << 8));
    writeIndex = (writeIndex + 1) >>> 0;
  }
  return writeIndex;
}

let ackedCached = 0;
function sendAck(words: Int32Array, writeIndex: number): number {
  for (let n = 0; n < messagesPerRun; n++) {
    for (let spins = 1; (writeIndex - ackedCached) >>> 0 >= slotsPerRing; spins++) {
      ackedCached = Atomics.load(words, flowLayout.ackWord) >>> 0;
      spinDeadlineCheck(spins);
    }
    const base = flowLayout.slotWord(writeIndex & slotMask);
    for (let i = 0; i < payloadWords; i++) words[base + i] = n;
    const epoch = ((writeIndex >>> lapShift) + 1) & 1;
    Atomics.store(words, base + flowLayout.headerWordIndex, epoch | (slotPayloadBytes << 8));
    writeIndex = (writeIndex + 1) >>> 0;
  }
  return writeIndex;
}

/** Waits, bounded, for a worker's first message (it is loaded and about to start). */
async function bareRing(role: FlowControlPeerData["role"]): Promise<number> {
  const memory = allocateAlignedShared(flowLayout.bytes, "flow-control layout");
  const words = new Int32Array(memory);
  const data: FlowControlPeerData = { memory, role, count: messagesPerRun, runs };
  const worker = new Worker(new URL("./workers/urpc-flow-control-peer.js", import.meta.url), {
    workerData: data,
  });
  try {
    await workerReady(worker, "flow-control bench");
    const rates: number[] = [];
    let writeIndex = 0;
    ackedCached = 0;
    for (let run = 1; run <= runs; run++) {
      const start = performance.now();
      writeIndex = role === "cleared" ? sendCleared(words, writeIndex) : sendAck(words, writeIndex);
      waitRun(words, run);
      if (run > 1) rates.push(messagesPerRun / ((performance.now() - start) / 1000));
    }
    return median(rates);
  } finally {
    await worker.terminate();
  }
}

async function channel(deferred: boolean): Promise<number> {
  const memory = UrpcChannel.allocate();
  const ch = new UrpcChannel(memory, 0, 0, "flow-control");
  const data: UrpcPeerData = { memory, role: "sink", count: messagesPerRun };
  const worker = new Worker(new URL("./workers/urpc-peer.js", import.meta.url), { workerData: data });
  const payload = new Uint8Array(slotPayloadBytes);
  const ignore = () => {};
  try {
    await workerReady(worker, "flow-control bench");
    const rates: number[] = [];
    for (let run = 1; run <= runs; run++) {
      const start = performance.now();
      for (let n = 0; n < messagesPerRun; n++) {
        const sent = deferred ? ch.trySendDeferred(2, payload) : ch.trySend(2, payload);
        if (!sent) ch.sendBlocking(2, payload, slotPayloadBytes, benchReplyTimeoutMs);
      }
      ch.flush();
      if (!ch.waitForMessage(benchReplyTimeoutMs))
        throw new Error("flow-control bench: the sink did not answer");
      ch.poll(ignore, 1);
      if (run > 1) rates.push(messagesPerRun / ((performance.now() - start) / 1000));
    }
    ch.sendBlocking(PeerMessage.stopType, payload, 0, benchReplyTimeoutMs);
    return median(rates);
  } finally {
    await worker.terminate();
  }
}

export interface FlowControlFigures {
  readonly clearedSlotsMsgsPerSec: number;
  readonly ackLineMsgsPerSec: number;
  readonly channelTrySendMsgsPerSec: number;
  readonly channelDeferredMsgsPerSec: number;
}

export async function measureFlowControl(): Promise<FlowControlFigures> {
  return {
    clearedSlotsMsgsPerSec: await bareRing("cleared"),
    ackLineMsgsPerSec: await bareRing("ack"),
    channelTrySendMsgsPerSec: await channel(false),
    channelDeferredMsgsPerSec: await channel(true),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const figures = await measureFlowControl();
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify({ node: process.version, ackEverySlots, slotsPerRing, ...figures }));
  } else {
    const m = (x: number) => `${(x / 1e6).toFixed(2)} M/s`;
    console.log(`flow control, one-slot messages, node ${process.version}, ring ${slotsPerRing} slots`);
    console.log(`  receiver-cleared slots (bare ring)           ${m(figures.clearedSlotsMsgsPerSec)}`);
    console.log(
      `  ack line every ${ackEverySlots} slots (bare ring)         ${m(figures.ackLineMsgsPerSec)}`,
    );
    console.log(`  UrpcChannel.trySend (ack line)               ${m(figures.channelTrySendMsgsPerSec)}`);
    console.log(`  UrpcChannel.trySendDeferred (ack + batches)  ${m(figures.channelDeferredMsgsPerSec)}`);
  }
}
