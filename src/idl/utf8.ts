// UTF-8 encoding into a caller's buffer without allocating, and decoding out of one.
//
// Short strings (the common case for names and keys) are encoded by a plain loop, which beats a call
// into native code for a few dozen characters; longer ones are measured and written by Node's native
// Buffer code over the same memory. Both replace an unpaired surrogate with U+FFFD, as TextEncoder
// does, so the bytes are the same whichever path runs.
//
// Decoding (readUtf8) has a fast path for the same common case: a short run of ASCII bytes is made
// into a string straight from the memory (String.fromCharCode of the codes for a few bytes,
// Buffer's Latin-1 reader for a few dozen: for bytes below 0x80 Latin-1 and UTF-8 agree), without
// the subarray and the trip through TextDecoder's JavaScript wrapper that the general path pays.
// Anything else (a byte of 0x80 or more, a longer string) goes to a fatal TextDecoder, so invalid
// UTF-8 is refused exactly as before: the fast path only ever accepts bytes that every UTF-8
// decoder accepts and decodes the same way.
import { Buffer } from "node:buffer";

/** Strings up to this many UTF-16 units are encoded by the JavaScript loop (which needs no Buffer). */
export const utf8LoopUnitsMax = 64;

/**
 * Writes s as UTF-8 into bytes[start, end) and returns the offset after it, or -1 if it does not
 * fit (in which case some bytes in the range may have been written). `text` is a Buffer over the
 * same memory as `bytes`; it may be undefined when s has at most utf8LoopUnitsMax units.
 */
export function writeUtf8(
  bytes: Uint8Array,
  text: Buffer | undefined,
  s: string,
  start: number,
  end: number,
): number {
  if (s.length > utf8LoopUnitsMax) {
    const length = Buffer.byteLength(s, "utf8");
    if (start + length > end) return -1;
    text!.write(s, start, length, "utf8");
    return start + length;
  }
  let o = start;
  const units = s.length;
  for (let i = 0; i < units; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      if (o >= end) return -1;
      bytes[o++] = c;
      continue;
    }
    if (c < 0x800) {
      if (o + 2 > end) return -1;
      bytes[o++] = 0xc0 | (c >> 6);
      bytes[o++] = 0x80 | (c & 0x3f);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < units ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const point = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        if (o + 4 > end) return -1;
        bytes[o++] = 0xf0 | (point >> 18);
        bytes[o++] = 0x80 | ((point >> 12) & 0x3f);
        bytes[o++] = 0x80 | ((point >> 6) & 0x3f);
        bytes[o++] = 0x80 | (point & 0x3f);
        i++;
        continue;
      }
      c = 0xfffd;
    }
    if (o + 3 > end) return -1;
    bytes[o++] = 0xe0 | (c >> 12);
    bytes[o++] = 0x80 | ((c >> 6) & 0x3f);
    bytes[o++] = 0x80 | (c & 0x3f);
  }
  return o;
}

/** Bytes of s in UTF-8 (unpaired surrogates count as U+FFFD); for error messages. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** Strings up to this many bytes are tried as ASCII before the native decoder. */
export const asciiReadBytesMax = 64;
/** ASCII strings up to this many bytes are made by String.fromCharCode, longer ones by latin1Slice. */
export const asciiCodesBytesMax = 16;

/** Buffer's native Latin-1 reader; it reads any Uint8Array (a view of a SharedArrayBuffer too). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: unknown }).latin1Slice as
  | ((this: Uint8Array, start: number, end: number) => string)
  | undefined;

const fatalDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** One array of character codes per length, reused: String.fromCharCode takes its elements. */
const codesOfLength: number[][] = Array.from({ length: asciiCodesBytesMax + 1 }, (_, n) =>
  Array.from({ length: n }, () => 0),
);

/** bytes[start, end) as a string if they are all ASCII (end - start <= asciiCodesBytesMax), else undefined. */
function shortAscii(bytes: Uint8Array, start: number, end: number): string | undefined {
  const codes = codesOfLength[end - start]!;
  let high = 0;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    high |= c;
    codes[i - start] = c;
  }
  return high < 0x80 ? String.fromCharCode.apply(undefined, codes) : undefined;
}

/**
 * The string whose UTF-8 is bytes[start, end); throws a TypeError if the bytes are not valid UTF-8
 * (as TextDecoder with `fatal`; a byte order mark is kept).
 */
export function readUtf8(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= asciiCodesBytesMax) {
    const s = shortAscii(bytes, start, end);
    if (s !== undefined) return s;
  } else if (n <= asciiReadBytesMax) {
    let high = 0;
    for (let i = start; i < end; i++) high |= bytes[i]!;
    // An undocumented method of Node's Buffer: where a Node.js lacks it, TextDecoder decodes.
    if (high < 0x80 && typeof latin1Slice === "function") return latin1Slice.call(bytes, start, end);
  }
  return fatalDecoder.decode(bytes.subarray(start, end));
}
