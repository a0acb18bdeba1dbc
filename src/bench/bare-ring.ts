// The streaming baseline of `bench urpc`: the barest ring JavaScript can run, with the channel's own
// geometry, measured in the same run as the channel.
//
// The C floor bounds latency; this bounds throughput. A sender writes each message's 15 payload words
// and its header into the next 64-byte slot of a page-aligned SharedArrayBuffer and publishes every
// publishBatchSlotsMax slots with one Atomics.store of the batch head; a receiver in a worker loads
// the head with Atomics.load, reads the rest of the batch with plain loads, checks each message's
// sequence number and acknowledges every ackEverySlots slots on its own line. Everything lives in
// local variables: no checks of arguments, no handler, no fragments, no doorbell, no objects. What
// the channel adds on top of this (validation, a handler call per message, the API) is the gap
// between urpcMsgsPerSec and bareRingMsgsPerSec.
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { UrpcGeometry } from "../limits.js";
import { allocateAlignedShared } from "../urpc/aligned-memory.js";
import { SlotFormat } from "../urpc/slot-format.js";
import { BareRingLayout, type BareRingSinkData } from "./bare-ring-layout.js";
import { benchReplyTimeoutMs, benchSpinsPerClockRead } from "./waits.js";
import { workerReady } from "./worker-ready.js";

/**
 * Streams `messages` messages through the bare ring `runs` times, each time to a fresh sink worker
 * after one unmeasured run (as the channel's streaming runs are measured); returns the rates, sorted.
 */
export async function measureBareRing(messages: number, runs: number): Promise<number[]> {
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) rates.push(await measureOneSink(messages));
  return rates.sort((a, b) => a - b);
}

async function measureOneSink(messages: number): Promise<number> {
  const memory = allocateAlignedShared(BareRingLayout.bytes, "bare ring");
  const words = new Int32Array(memory);
  const data: BareRingSinkData = { memory };
  const worker = new Worker(new URL("./workers/bare-ring-sink.js", import.meta.url), { workerData: data });
  try {
    await workerReady(worker, "bare ring");
    const warmedUp = streamBare(words, 0, messages);
    const start = performance.now();
    streamBare(words, warmedUp, messages);
    const rate = messages / ((performance.now() - start) / 1000);
    if (Atomics.load(words, BareRingLayout.outOfOrderWord) !== 0)
      throw new Error("bare ring: the sink saw messages out of order");
    return rate;
  } finally {
    Atomics.store(words, BareRingLayout.stopWord, 1);
    await worker.terminate();
  }
}

/** Sends `messages` messages from absolute slot `first`; returns once all are acknowledged. */
function streamBare(words: Int32Array, first: number, messages: number): number {
  let index = first;
  let acked = first;
  let batchStart = first;
  let headHeader = 0;
  let spins = 0;
  let deadline = 0;
  for (let i = 0; i < messages; i++) {
    while ((index - acked) >>> 0 >= UrpcGeometry.slotsPerRing) {
      acked = Atomics.load(words, BareRingLayout.ackWord) >>> 0;
      if (++spins % benchSpinsPerClockRead === 0) deadline = checkDeadline(deadline);
    }
    const base = (index & SlotFormat.slotMask) * SlotFormat.wordsPerSlot;
    // Unrolled, highest word first, exactly as the channel's zero-copy benchmark writes its slots.
    words[base + 14] = first + i;
    words[base] = first + i;
    words[base + 1] = first + i;
    words[base + 2] = first + i;
    words[base + 3] = first + i;
    words[base + 4] = first + i;
    words[base + 5] = first + i;
    words[base + 6] = first + i;
    words[base + 7] = first + i;
    words[base + 8] = first + i;
    words[base + 9] = first + i;
    words[base + 10] = first + i;
    words[base + 11] = first + i;
    words[base + 12] = first + i;
    words[base + 13] = first + i;
    const header = ((index >>> UrpcGeometry.slotsPerRingLog2) + 1) & SlotFormat.epochMask;
    if (index === batchStart) headHeader = header;
    else words[base + SlotFormat.headerWordIndex] = header;
    index = (index + 1) >>> 0;
    if ((index - batchStart) >>> 0 >= UrpcGeometry.publishBatchSlotsMax) {
      publishBatch(words, batchStart, index, headHeader);
      batchStart = index;
    }
  }
  if (batchStart !== index) publishBatch(words, batchStart, index, headHeader);
  while (acked !== index) {
    acked = Atomics.load(words, BareRingLayout.ackWord) >>> 0;
    if (++spins % benchSpinsPerClockRead === 0) deadline = checkDeadline(deadline);
  }
  return index;
}

/** Publishes slots [batchStart, end): the head's header, with the count that follows it, stored last. */
function publishBatch(words: Int32Array, batchStart: number, end: number, headHeader: number): void {
  Atomics.store(
    words,
    (batchStart & SlotFormat.slotMask) * SlotFormat.wordsPerSlot + SlotFormat.headerWordIndex,
    headHeader | ((end - batchStart - 1) << SlotFormat.followingShift),
  );
}

/** Starts the deadline on the first call of a wait, throws once it has passed. */
function checkDeadline(deadline: number): number {
  const now = performance.now();
  if (deadline === 0) return now + benchReplyTimeoutMs;
  if (now > deadline) throw new Error(`bare ring: the sink consumed nothing for ${benchReplyTimeoutMs} ms`);
  return deadline;
}
