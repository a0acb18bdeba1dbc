// Encoding: every field type at its boundary values (accepted, and the exact bytes on the wire), one
// past each boundary (refused with a MessageError naming the interface, message and field), and the
// message-size bound.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defineInterface, MessageBuffer, MessageError, t } from "../../src/idl/index.js";
import { messageBytesMax } from "../../src/limits.js";

const scalars = defineInterface("scalars", {
  u8: [["x", t.u8]],
  u16: [["x", t.u16]],
  u32: [["x", t.u32]],
  i8: [["x", t.i8]],
  i16: [["x", t.i16]],
  i32: [["x", t.i32]],
  f32: [["x", t.f32]],
  f64: [["x", t.f64]],
  bool: [["x", t.bool]],
  u64: [["x", t.u64]],
  i64: [["x", t.i64]],
});

const buf = new MessageBuffer();

function wire(length: number): number[] {
  return Array.from(buf.bytes.subarray(0, length));
}

function throwsMessage(run: () => unknown, text: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof MessageError, `expected a MessageError, got ${String(error)}`);
    assert.equal(error.message, text);
    return true;
  });
}

describe("idl encode: integer boundaries", () => {
  const cases = [
    { kind: "u8", min: 0, max: 0xff, size: 1 },
    { kind: "u16", min: 0, max: 0xffff, size: 2 },
    { kind: "u32", min: 0, max: 0xffff_ffff, size: 4 },
    { kind: "i8", min: -0x80, max: 0x7f, size: 1 },
    { kind: "i16", min: -0x8000, max: 0x7fff, size: 2 },
    { kind: "i32", min: -0x8000_0000, max: 0x7fff_ffff, size: 4 },
  ] as const;
  for (const { kind, min, max, size } of cases) {
    const encode = scalars.encode[kind] as (b: MessageBuffer, x: number) => number;
    it(`${kind} accepts ${min} and ${max} and writes them little-endian`, () => {
      for (const value of [min, max, 0, 1]) {
        assert.equal(encode(buf, value), size);
        const expected: number[] = [];
        let rest = BigInt.asUintN(size * 8, BigInt(value));
        for (let i = 0; i < size; i++) {
          expected.push(Number(rest & 0xffn));
          rest >>= 8n;
        }
        assert.deepEqual(wire(size), expected);
      }
    });
    it(`${kind} refuses ${min - 1}, ${max + 1}, 0.5, NaN and non-numbers`, () => {
      throwsMessage(
        () => encode(buf, min - 1),
        `scalars.${kind}: field "x" = ${min - 1} is out of range for ${kind}`,
      );
      throwsMessage(
        () => encode(buf, max + 1),
        `scalars.${kind}: field "x" = ${max + 1} is out of range for ${kind}`,
      );
      throwsMessage(() => encode(buf, 0.5), `scalars.${kind}: field "x" = 0.5 is not an integer (${kind})`);
      throwsMessage(
        () => encode(buf, Number.NaN),
        `scalars.${kind}: field "x" = NaN is not an integer (${kind})`,
      );
      throwsMessage(
        () => encode(buf, Infinity),
        `scalars.${kind}: field "x" = Infinity is not an integer (${kind})`,
      );
      throwsMessage(
        () => encode(buf, "1" as unknown as number),
        `scalars.${kind}: field "x" = "1" is not a number (${kind})`,
      );
      throwsMessage(
        () => encode(buf, true as unknown as number),
        `scalars.${kind}: field "x" = true is not a number (${kind})`,
      );
    });
  }
  it("-0 is accepted as 0", () => {
    assert.equal(scalars.encode.u32(buf, -0), 4);
    assert.deepEqual(wire(4), [0, 0, 0, 0]);
  });
});

describe("idl encode: 64-bit integers", () => {
  it("u64 accepts 0 and 2^64-1, refuses -1, 2^64 and numbers", () => {
    assert.equal(scalars.encode.u64(buf, 0n), 8);
    assert.deepEqual(wire(8), [0, 0, 0, 0, 0, 0, 0, 0]);
    scalars.encode.u64(buf, 2n ** 64n - 1n);
    assert.deepEqual(wire(8), [255, 255, 255, 255, 255, 255, 255, 255]);
    scalars.encode.u64(buf, 0x0102030405060708n);
    assert.deepEqual(wire(8), [8, 7, 6, 5, 4, 3, 2, 1]);
    throwsMessage(() => scalars.encode.u64(buf, -1n), 'scalars.u64: field "x" = -1n is out of range for u64');
    throwsMessage(
      () => scalars.encode.u64(buf, 2n ** 64n),
      `scalars.u64: field "x" = ${2n ** 64n}n is out of range for u64`,
    );
    throwsMessage(
      () => scalars.encode.u64(buf, 1 as unknown as bigint),
      'scalars.u64: field "x" = 1 is not a bigint (u64)',
    );
  });
  it("i64 accepts -2^63 and 2^63-1, refuses one past each", () => {
    scalars.encode.i64(buf, -(2n ** 63n));
    assert.deepEqual(wire(8), [0, 0, 0, 0, 0, 0, 0, 0x80]);
    scalars.encode.i64(buf, 2n ** 63n - 1n);
    assert.deepEqual(wire(8), [255, 255, 255, 255, 255, 255, 255, 0x7f]);
    scalars.encode.i64(buf, -1n);
    assert.deepEqual(wire(8), [255, 255, 255, 255, 255, 255, 255, 255]);
    throwsMessage(
      () => scalars.encode.i64(buf, -(2n ** 63n) - 1n),
      `scalars.i64: field "x" = ${-(2n ** 63n) - 1n}n is out of range for i64`,
    );
    throwsMessage(
      () => scalars.encode.i64(buf, 2n ** 63n),
      `scalars.i64: field "x" = ${2n ** 63n}n is out of range for i64`,
    );
  });
});

describe("idl encode: floats and bools", () => {
  it("f64 accepts every number, NaN and infinities included, bit for bit", () => {
    for (const value of [
      0,
      -0,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.MIN_VALUE,
      Infinity,
      -Infinity,
      Number.NaN,
    ]) {
      assert.equal(scalars.encode.f64(buf, value), 8);
      assert.ok(Object.is(buf.view.getFloat64(0, true), value));
    }
    throwsMessage(
      () => scalars.encode.f64(buf, 1n as unknown as number),
      'scalars.f64: field "x" = 1n is not a number (f64)',
    );
  });
  it("f32 accepts every number and rounds it to single precision", () => {
    for (const value of [0, 1.5, 3.4028234663852886e38, Infinity, -Infinity, Number.NaN]) {
      assert.equal(scalars.encode.f32(buf, value), 4);
      assert.ok(Object.is(buf.view.getFloat32(0, true), Math.fround(value)));
    }
    scalars.encode.f32(buf, 0.1);
    assert.equal(buf.view.getFloat32(0, true), Math.fround(0.1));
    throwsMessage(
      () => scalars.encode.f32(buf, null as unknown as number),
      'scalars.f32: field "x" = null is not a number (f32)',
    );
  });
  it("bool writes 0 or 1 and refuses anything but a boolean", () => {
    scalars.encode.bool(buf, true);
    assert.deepEqual(wire(1), [1]);
    scalars.encode.bool(buf, false);
    assert.deepEqual(wire(1), [0]);
    throwsMessage(
      () => scalars.encode.bool(buf, 1 as unknown as boolean),
      'scalars.bool: field "x" = 1 is not a boolean (bool)',
    );
  });
});

describe("idl encode: bytes, strings and arrays", () => {
  const vars = defineInterface("vars", {
    bytes: [["b", t.bytes(5)]],
    string: [["s", t.string(5)]],
    array: [["a", t.array(t.i16, 3)]],
    flags: [["f", t.array(t.bool, 2)]],
    wide: [["w", t.array(t.u64, 2)]],
    mixed: [
      ["x", t.u8],
      ["s", t.string(4)],
      ["y", t.u16],
      ["b", t.bytes(2)],
      ["z", t.u8],
    ],
  });
  it("bytes: a u16 length, then the bytes; empty and maximum lengths accepted", () => {
    assert.equal(vars.encode.bytes(buf, new Uint8Array(0)), 2);
    assert.deepEqual(wire(2), [0, 0]);
    assert.equal(vars.encode.bytes(buf, Uint8Array.of(1, 2, 3, 4, 5)), 7);
    assert.deepEqual(wire(7), [5, 0, 1, 2, 3, 4, 5]);
    throwsMessage(
      () => vars.encode.bytes(buf, new Uint8Array(6)),
      'vars.bytes: field "b" = Uint8Array(6) is 6 bytes, over the maximum of 5 for bytes(5)',
    );
    throwsMessage(
      () => vars.encode.bytes(buf, [1] as unknown as Uint8Array),
      'vars.bytes: field "b" = Array(1) is not a Uint8Array (bytes(5))',
    );
  });
  it("string: UTF-8 bytes count against the maximum, not characters", () => {
    assert.equal(vars.encode.string(buf, ""), 2);
    assert.equal(vars.encode.string(buf, "héllo".slice(0, 4)), 2 + 5);
    assert.deepEqual(wire(7), [5, 0, 0x68, 0xc3, 0xa9, 0x6c, 0x6c]);
    assert.equal(vars.encode.string(buf, "😀a"), 2 + 5);
    assert.deepEqual(wire(7), [5, 0, 0xf0, 0x9f, 0x98, 0x80, 0x61]);
    throwsMessage(
      () => vars.encode.string(buf, "😀😀"),
      'vars.string: field "s" = "😀😀" is 8 bytes of UTF-8, over the maximum of 5 for string(5)',
    );
    throwsMessage(
      () => vars.encode.string(buf, "abcdef"),
      'vars.string: field "s" = "abcdef" is 6 bytes of UTF-8, over the maximum of 5 for string(5)',
    );
    throwsMessage(
      () => vars.encode.string(buf, 5 as unknown as string),
      'vars.string: field "s" = 5 is not a string (string(5))',
    );
  });
  it("string: an unpaired surrogate becomes U+FFFD, as TextEncoder writes it", () => {
    const length = vars.encode.string(buf, "\ud800");
    assert.deepEqual(wire(length), [3, 0, 0xef, 0xbf, 0xbd]);
  });
  it("array: exactly count elements, each checked as its element type", () => {
    assert.equal(vars.encode.array(buf, [-0x8000, 0, 0x7fff]), 6);
    assert.deepEqual(wire(6), [0, 0x80, 0, 0, 0xff, 0x7f]);
    throwsMessage(
      () => vars.encode.array(buf, [1, 2]),
      'vars.array: field "a" = Array(2) has 2 elements, but array(i16, 3) needs exactly 3',
    );
    throwsMessage(
      () => vars.encode.array(buf, [1, 2, 3, 4]),
      'vars.array: field "a" = Array(4) has 4 elements, but array(i16, 3) needs exactly 3',
    );
    throwsMessage(
      () => vars.encode.array(buf, [1, 0x8000, 3]),
      'vars.array: field "a" element [1] = 32768 is out of range for i16 in array(i16, 3)',
    );
    throwsMessage(
      () => vars.encode.array(buf, 7 as unknown as number[]),
      'vars.array: field "a" = 7 is not an array (array(i16, 3))',
    );
    assert.equal(vars.encode.flags(buf, [true, false]), 2);
    assert.deepEqual(wire(2), [1, 0]);
    throwsMessage(
      () => vars.encode.flags(buf, [true, 0 as unknown as boolean]),
      'vars.flags: field "f" element [1] = 0 is not a boolean (bool) in array(bool, 2)',
    );
    assert.equal(vars.encode.wide(buf, [0n, 2n ** 64n - 1n]), 16);
    throwsMessage(
      () => vars.encode.wide(buf, [0n, -1n]),
      'vars.wide: field "w" element [1] = -1n is out of range for u64 in array(u64, 2)',
    );
  });
  it("fields are packed in declaration order after variable-length ones", () => {
    const length = vars.encode.mixed(buf, 7, "ab", 0x1234, Uint8Array.of(9), 8);
    assert.deepEqual(wire(length), [7, 2, 0, 0x61, 0x62, 0x34, 0x12, 1, 0, 9, 8]);
  });
});

describe("idl encode: the message bound", () => {
  const big = defineInterface("big", {
    text: [
      ["x", t.u32],
      ["s", t.string(messageBytesMax)],
    ],
    pair: [
      ["a", t.bytes(messageBytesMax)],
      ["b", t.bytes(messageBytesMax)],
      ["tail", t.u32],
    ],
  });
  it("a message of exactly messageBytesMax bytes is accepted, one more byte is refused", () => {
    const room = messageBytesMax - 4 - 2;
    assert.equal(big.encode.text(buf, 1, "a".repeat(room)), messageBytesMax);
    assert.equal(big.encode.text(buf, 1, "é".repeat(room / 2)), messageBytesMax);
    throwsMessage(
      () => big.encode.text(buf, 1, "a".repeat(room + 1)),
      `big.text: field "s" of ${room + 1} bytes makes the message ${messageBytesMax + 1} bytes, over messageBytesMax (${messageBytesMax})`,
    );
    throwsMessage(
      () => big.encode.text(buf, 1, "a".repeat(messageBytesMax + 1)),
      `big.text: field "s" = "${"a".repeat(40)}"... is ${messageBytesMax + 1} bytes of UTF-8, over the maximum of ${messageBytesMax} for string(${messageBytesMax})`,
    );
  });
  it("a short string (encoded by the JavaScript loop) is held to the bound too", () => {
    const tight = defineInterface("tight", {
      m: [
        ["b", t.bytes(messageBytesMax)],
        ["s", t.string(64)],
      ],
    });
    const filler = new Uint8Array(messageBytesMax - 2 - 2 - 4);
    assert.equal(tight.encode.m(buf, filler, "abcd"), messageBytesMax);
    assert.equal(tight.encode.m(buf, filler, "éa"), messageBytesMax - 1);
    throwsMessage(
      () => tight.encode.m(buf, filler, "abcde"),
      `tight.m: field "s" of 5 bytes makes the message ${messageBytesMax + 1} bytes, over messageBytesMax (${messageBytesMax})`,
    );
    throwsMessage(
      () => tight.encode.m(buf, filler, "a😀"),
      `tight.m: field "s" of 5 bytes makes the message ${messageBytesMax + 1} bytes, over messageBytesMax (${messageBytesMax})`,
    );
  });
  it("the fixed fields after a variable-length one count against the bound", () => {
    const room = messageBytesMax - 2 - 2 - 4;
    assert.equal(big.encode.pair(buf, new Uint8Array(room), new Uint8Array(0), 5), messageBytesMax);
    throwsMessage(
      () => big.encode.pair(buf, new Uint8Array(room), new Uint8Array(1), 5),
      `big.pair: field "b" of 1 bytes makes the message ${messageBytesMax + 1} bytes, over messageBytesMax (${messageBytesMax})`,
    );
    throwsMessage(
      () => big.encode.pair(buf, new Uint8Array(room + 1), new Uint8Array(0), 5),
      `big.pair: field "a" of ${room + 1} bytes makes the message ${messageBytesMax + 1} bytes, over messageBytesMax (${messageBytesMax})`,
    );
  });
});
