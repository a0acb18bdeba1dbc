// UTF-8 encoding into a caller's buffer without allocating.
//
// Short strings (the common case for names and keys) are encoded by a plain loop, which beats a call
// into native code for a few dozen characters; longer ones are measured and written by Node's native
// Buffer code over the same memory. Both replace an unpaired surrogate with U+FFFD, as TextEncoder
// does, so the bytes are the same whichever path runs.
import { Buffer } from "node:buffer";

/** Strings up to this many UTF-16 units are encoded by the JavaScript loop. */
const loopUnitsMax = 64;

/**
 * Writes s as UTF-8 into bytes[start, end) and returns the offset after it, or -1 if it does not
 * fit (in which case some bytes in the range may have been written). `text` is a Buffer over the
 * same memory as `bytes`.
 */
export function writeUtf8(bytes: Uint8Array, text: Buffer, s: string, start: number, end: number): number {
  if (s.length > loopUnitsMax) {
    const length = Buffer.byteLength(s, "utf8");
    if (start + length > end) return -1;
    text.write(s, start, length, "utf8");
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
