// The format of one URPC slot: a 64-byte cache line of a SharedArrayBuffer.
//
// A slot is 16 little 32-bit words. Words 0..14 carry 60 bytes of payload; word 15 is the header,
// the last word of the line. Like Barrelfish's ump_impl.h, the receiver never clears a slot: the
// header carries an epoch bit that flips every time the ring wraps, so the receiver knows a slot is
// new from the header alone, and wrap-around is safe (every slot is rewritten on every lap, so the
// previous content of a slot is always from the previous lap, with the other epoch).
//
// Slots are published in batches (ring.ts): the header of a batch's first slot (its head) is written
// last, with Atomics.store, and says how many slots follow it in the batch; the headers of those
// slots are plain stores made before it. The receiver loads a head with Atomics.load and then reads
// the rest of the batch with plain loads: everything in the batch was written before the head's
// store, which the receiver's load synchronises with. One atomic per batch on each side, not one
// per message, is what lets the ring stream tens of millions of messages a second from JavaScript.
//
//   bit   0      epoch: (absolute slot index / slotsPerRing + 1) mod 2 — zeroed memory reads as "old"
//   bits  1..5   on a batch head: slots that follow it in the same batch (0..31); else 0
//   bit   6      first fragment of a message
//   bit   7      last fragment of a message (a one-slot message has both)
//   bits  8..13  payload bytes in this slot, 0..60
//   bits 16..31  message type (16 bits)

// biome-ignore-all lint/suspicious/noDuplicateEnumValues: SlotFormat is a table of layout numbers, several of them equal
import { publishBatchSlotsMax, UrpcGeometry } from "../limits.js";

/**
 * The slot's layout as compile-time constants (a const enum: TypeScript writes them into the code as
 * literals, which the hot paths need; limits.ts says why).
 */
export const enum SlotFormat {
  /** 32-bit words in one slot. */
  wordsPerSlot = UrpcGeometry.cacheLineBytes / 4,
  /** Payload words in one slot. */
  payloadWordsPerSlot = UrpcGeometry.slotPayloadBytes / 4,
  /** Index of the header word within a slot. */
  headerWordIndex = wordsPerSlot - 1,
  /** Index of a slot within its ring: `index & slotMask`. */
  slotMask = UrpcGeometry.slotsPerRing - 1,
  epochMask = 1,
  followingShift = 1,
  followingMask = 0x1f,
  firstBit = 1 << 6,
  lastBit = 1 << 7,
  /** A one-slot message has both fragment bits. */
  oneSlotBits = firstBit | lastBit,
  lengthShift = 8,
  lengthMask = 0x3f,
  typeShift = 16,
  /** The type field's bits, before the shift. */
  typeMask = UrpcGeometry.messageTypesMax - 1,
}

/** 32-bit words in one slot (for code off the hot paths). */
export const wordsPerSlot: number = SlotFormat.wordsPerSlot;
/** Index of the header word within a slot. */
export const headerWordIndex: number = SlotFormat.headerWordIndex;

/** Most slots that may follow a batch head in one batch. */
export const followingSlotsMax: number = SlotFormat.followingMask;
if (publishBatchSlotsMax - 1 > followingSlotsMax) {
  throw new Error("limits.ts: publishBatchSlotsMax - 1 must fit a batch head's 5-bit following count");
}

/** The epoch a slot written at absolute index `index` carries. */
export function epochOf(index: number): number {
  return ((index >>> UrpcGeometry.slotsPerRingLog2) + 1) & SlotFormat.epochMask;
}

/** Builds a header word (not a batch head: no following count). Arguments are trusted. */
export function makeHeader(
  index: number,
  type: number,
  first: boolean,
  last: boolean,
  length: number,
): number {
  return (
    epochOf(index) |
    (first ? SlotFormat.firstBit : 0) |
    (last ? SlotFormat.lastBit : 0) |
    (length << SlotFormat.lengthShift) |
    (type << SlotFormat.typeShift)
  );
}

/** A header with the count of slots that follow it in its batch. */
export function withFollowing(header: number, following: number): number {
  return header | (following << SlotFormat.followingShift);
}

export function headerEpoch(header: number): number {
  return header & SlotFormat.epochMask;
}

export function headerFollowing(header: number): number {
  return (header >>> SlotFormat.followingShift) & SlotFormat.followingMask;
}

export function headerType(header: number): number {
  return header >>> SlotFormat.typeShift;
}

export function headerIsFirst(header: number): boolean {
  return (header & SlotFormat.firstBit) !== 0;
}

export function headerIsLast(header: number): boolean {
  return (header & SlotFormat.lastBit) !== 0;
}

export function headerLength(header: number): number {
  return (header >>> SlotFormat.lengthShift) & SlotFormat.lengthMask;
}

/** Human-readable header, for error messages. */
export function describeHeader(header: number): string {
  return (
    `header 0x${(header >>> 0).toString(16).padStart(8, "0")} (epoch ${headerEpoch(header)}, ` +
    `following ${headerFollowing(header)}, type ${headerType(header)}, first ${headerIsFirst(header)}, ` +
    `last ${headerIsLast(header)}, length ${headerLength(header)})`
  );
}
