// Where each part of a URPC channel lives in its shared region.
//
// A channel is two single-producer/single-consumer rings, one per direction, in one region of a
// SharedArrayBuffer that both endpoints map. Every part that one side writes sits on its own cache
// line, so the two sides never write the same line (no false sharing):
//
//   ring 0 (side 0 sends, side 1 receives)
//     slots        slotsPerRing lines, written by the sender
//     ack line     written by the receiver: how many slots it has consumed (absolute, wrapping)
//     wait line    written by the sender: 1 while it waits for credit
//   ring 1 (side 1 sends, side 0 receives): the same
//   doorbell 0     side 0's sleep word (see doorbell.ts), written by side 0 and cleared by senders
//   doorbell 1     side 1's sleep word
//
// The region is cache-line aligned; all offsets are in 32-bit words from the region's start.

import { cacheLineBytes, slotsPerRing } from "../limits.js";
import { wordsPerSlot } from "./slot-format.js";

const wordsPerLine = cacheLineBytes / 4;

/** Words of one ring: its slots plus its ack line and wait line. */
export const wordsPerRing = slotsPerRing * wordsPerSlot + 2 * wordsPerLine;
/** Bytes of a whole channel region (two rings and two doorbells). */
export const channelBytes = (2 * wordsPerRing + 2 * wordsPerLine) * 4;

/** Word offsets of one ring inside a channel region. */
export interface RingOffsets {
  readonly slotsWord: number;
  readonly ackWord: number;
  readonly waitWord: number;
}

/** The ring that `side` sends on (side 0 sends on ring 0). */
export function ringOffsets(baseWord: number, ring: 0 | 1): RingOffsets {
  const slotsWord = baseWord + ring * wordsPerRing;
  const ackWord = slotsWord + slotsPerRing * wordsPerSlot;
  return { slotsWord, ackWord, waitWord: ackWord + wordsPerLine };
}

/** The doorbell word of `side` inside a channel region. */
export function doorbellWord(baseWord: number, side: 0 | 1): number {
  return baseWord + 2 * wordsPerRing + side * wordsPerLine;
}

/** Checks that a region at `byteOffset` of `memory` can hold a channel; throws a clear error if not. */
export function checkChannelRegion(memory: SharedArrayBuffer, byteOffset: number, name: string): void {
  if (!(memory instanceof SharedArrayBuffer)) {
    throw new TypeError(`URPC channel "${name}": memory must be a SharedArrayBuffer`);
  }
  if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % cacheLineBytes !== 0) {
    throw new RangeError(
      `URPC channel "${name}": byteOffset ${byteOffset} must be a non-negative multiple of ${cacheLineBytes}`,
    );
  }
  if (byteOffset + channelBytes > memory.byteLength) {
    throw new RangeError(
      `URPC channel "${name}": region [${byteOffset}, ${byteOffset + channelBytes}) is past the end of a ` +
        `${memory.byteLength}-byte buffer`,
    );
  }
}
