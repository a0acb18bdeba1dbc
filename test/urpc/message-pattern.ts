// The test messages of the URPC tests: each one's length, type and bytes follow from its sequence
// number alone, so a receiver in another thread can check what it got without being told.
//
// Lengths are mostly small (nine in ten fit one slot), some span a few slots, a few are large, and
// every thousandth message is exactly messageBytesMax. The type is the sequence number's low 16
// bits; the first bytes hold the whole sequence number, the rest a pattern mixed from it. A receiver
// compares the length, the type and a checksum of the bytes with what the sequence number predicts.

import { messageBytesMax, slotPayloadBytes } from "../../src/limits.js";

/** A 32-bit mix of `x` (murmur3's finaliser): cheap, and every input bit reaches every output bit. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Length of message `seq`: 1 byte to messageBytesMax, mostly small. */
export function messageLength(seq: number): number {
  if (seq % 1000 === 999) return messageBytesMax;
  const h = mix32(seq);
  const bucket = h % 100;
  const r = mix32(h) >>> 0;
  if (bucket < 90) return 1 + (r % slotPayloadBytes);
  if (bucket < 99) return slotPayloadBytes + 1 + (r % 452);
  return 513 + (r % (messageBytesMax - 512));
}

/** Type of message `seq`. */
export function messageType(seq: number): number {
  return seq & 0xffff;
}

/** Writes message `seq`'s bytes into `bytes[0, length)`. */
export function fillMessage(seq: number, bytes: Uint8Array, length: number): void {
  let x = mix32(seq ^ 0x9e3779b9);
  for (let i = 0; i < length; i++) {
    if (i < 4) bytes[i] = (seq >>> (8 * i)) & 0xff;
    else {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      bytes[i] = x >>> 24;
    }
  }
}

/** FNV-1a over `bytes[0, length)`. */
export function checksum(bytes: Uint8Array, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** What is wrong with a received message that should be `seq`, or undefined if nothing is. */
export function checkMessage(
  seq: number,
  type: number,
  bytes: Uint8Array,
  length: number,
  scratch: Uint8Array,
): string | undefined {
  const expectedLength = messageLength(seq);
  if (type !== messageType(seq)) return `message ${seq}: type ${type}, expected ${messageType(seq)}`;
  if (length !== expectedLength) return `message ${seq}: length ${length}, expected ${expectedLength}`;
  fillMessage(seq, scratch, length);
  const got = checksum(bytes, length);
  const expected = checksum(scratch, length);
  if (got !== expected) return `message ${seq}: checksum ${got}, expected ${expected}`;
  return undefined;
}
