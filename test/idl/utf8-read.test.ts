// Tests of readUtf8, the decoders' string reader: its ASCII fast paths (strings of bytes below 0x80,
// up to asciiCodesBytesMax made by String.fromCharCode, up to asciiReadBytesMax by latin1Slice) and
// its general path (a fatal TextDecoder) give the same strings as TextDecoder for every input, and
// refuse exactly the bytes TextDecoder refuses, wherever the bytes lie in shared memory. Lengths
// run to twice asciiReadBytesMax, so that every path and each switch between them is taken.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { asciiReadBytesMax, readUtf8 } from "../../src/idl/utf8.js";

const reference = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The outcome of decoding: the string, or "refused". */
function outcome(decode: () => string): string | { refused: true } {
  try {
    return decode();
  } catch (error) {
    assert.ok(error instanceof TypeError, `not a TypeError: ${String(error)}`);
    return { refused: true };
  }
}

/** bytes copied to byte `at` of a SharedArrayBuffer, and a view of it that starts 4 bytes in. */
function placed(bytes: Uint8Array, at: number) {
  const memory = new SharedArrayBuffer(at + bytes.length + 8);
  const whole = new Uint8Array(memory, 4);
  whole.set(bytes, at - 4);
  return { whole, start: at - 4 };
}

/** Reads bytes through readUtf8 (placed at `at`) and through TextDecoder; asserts they agree. */
function agree(bytes: Uint8Array, at: number): void {
  const { whole, start } = placed(bytes, at);
  const got = outcome(() => readUtf8(whole, start, start + bytes.length));
  assert.deepEqual(
    got,
    outcome(() => reference.decode(bytes)),
  );
}

const offsets = fc.integer({ min: 4, max: 67 });
/** Bytes mostly ASCII, with now and then a byte from anywhere: both paths, and the switch between them. */
const mostlyAscii = fc.array(
  fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 0x7f }) }, fc.integer({ min: 0, max: 0xff })),
  { maxLength: asciiReadBytesMax * 2 },
);

describe("idl: reading UTF-8", () => {
  it("reads ASCII strings of every length as TextDecoder does", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary-ascii", maxLength: asciiReadBytesMax * 2 }), offsets, (s, at) =>
        agree(new TextEncoder().encode(s), at),
      ),
      { numRuns: 500 },
    );
  });

  it("reads any string's UTF-8 back to it", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), offsets, (s, at) => {
        const bytes = new TextEncoder().encode(s);
        agree(bytes, at);
        const { whole, start } = placed(bytes, at);
        assert.equal(readUtf8(whole, start, start + bytes.length), s);
      }),
      { numRuns: 500 },
    );
  });

  it("reads the UTF-8 of unpaired surrogates (U+FFFD) as TextDecoder does", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 100 }), offsets, (units, at) =>
        agree(new TextEncoder().encode(String.fromCharCode(...units)), at),
      ),
      { numRuns: 500 },
    );
  });

  it("refuses exactly the bytes TextDecoder refuses", () => {
    fc.assert(
      fc.property(mostlyAscii, offsets, (bytes, at) => agree(Uint8Array.from(bytes), at)),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), offsets, (bytes, at) => agree(bytes, at)),
      { numRuns: 1000 },
    );
  });

  it("keeps a byte order mark, and refuses a lone high byte at either end of a short string", () => {
    agree(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61), 8);
    for (const bytes of [
      Uint8Array.of(0x80, 0x61, 0x62),
      Uint8Array.of(0x61, 0x62, 0xc3),
      Uint8Array.of(0xff),
    ]) {
      const { whole, start } = placed(bytes, 8);
      assert.throws(() => readUtf8(whole, start, start + bytes.length), TypeError);
    }
    const empty = placed(new Uint8Array(0), 8);
    assert.equal(readUtf8(empty.whole, empty.start, empty.start), "");
  });
});
