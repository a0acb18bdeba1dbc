// A broadcast ring: one writer, every other core a reader — the medium of the shootdown study's
// broadcast protocol ("one shared channel that every core reads": one message, N−1 readers fetching
// the same cache lines).
//
// It is a URPC ring (ring.ts) whose slots every reader reads with its own read index. Each reader
// publishes its consumed count on its own ack line; the writer's credit is the minimum over the
// readers, so no slot is rewritten before every reader has consumed it. Publication rings every
// reader's doorbell that sleeps.
//
//   slots        slotsPerRing lines, written by the writer
//   ack lines    one per reader position 0..readers-1, each written by that reader
//   wait line    written by the writer while it waits for credit
import { cacheLineBytes, slotsPerRing } from "../limits.js";
import type { Doorbell } from "./doorbell.js";
import { RingReceiver, RingSender } from "./ring.js";
import { wordsPerSlot } from "./slot-format.js";

const wordsPerLine = cacheLineBytes / 4;

/** Bytes of a broadcast ring with `readers` readers. */
export function broadcastRingBytes(readers: number): number {
  return (slotsPerRing * wordsPerSlot + (readers + 1) * wordsPerLine) * 4;
}

function layout(byteOffset: number, readers: number) {
  const slotsWord = byteOffset / 4;
  const firstAckWord = slotsWord + slotsPerRing * wordsPerSlot;
  return { slotsWord, firstAckWord, waitWord: firstAckWord + readers * wordsPerLine };
}

/** The writer's end: a RingSender whose credit is the slowest reader's. */
export class BroadcastSender extends RingSender {
  private readonly ackWords: readonly number[];
  private readonly shared: Int32Array;

  constructor(
    name: string,
    memory: SharedArrayBuffer,
    byteOffset: number,
    readerDoorbells: readonly Doorbell[],
  ) {
    const readers = readerDoorbells.length;
    const { slotsWord, firstAckWord, waitWord } = layout(byteOffset, readers);
    const all = {
      ring: () => {
        for (const doorbell of readerDoorbells) doorbell.ring();
      },
    };
    super(name, memory, { slotsWord, ackWord: firstAckWord, waitWord }, all);
    this.shared = new Int32Array(memory);
    this.ackWords = readerDoorbells.map((_, i) => firstAckWord + i * wordsPerLine);
  }

  override freeSlots(): number {
    let slowest = this.writeIndex;
    for (const word of this.ackWords) {
      const acked = Atomics.load(this.shared, word) >>> 0;
      if ((this.writeIndex - acked) >>> 0 > (this.writeIndex - slowest) >>> 0) slowest = acked;
    }
    this.ackedCached = slowest;
    return slotsPerRing - ((this.writeIndex - slowest) >>> 0);
  }
}

/** Reader `position` (0..readers-1) of a broadcast ring. */
export function openBroadcastReceiver(
  name: string,
  memory: SharedArrayBuffer,
  byteOffset: number,
  readers: number,
  position: number,
  writerDoorbell: Doorbell,
): RingReceiver {
  if (!Number.isInteger(position) || position < 0 || position >= readers) {
    throw new RangeError(`broadcast ring "${name}": reader position ${position} is not in [0, ${readers})`);
  }
  const { slotsWord, firstAckWord, waitWord } = layout(byteOffset, readers);
  return new RingReceiver(
    name,
    memory,
    { slotsWord, ackWord: firstAckWord + position * wordsPerLine, waitWord },
    writerDoorbell,
  );
}
