// Property tests: random interfaces, random messages, random values. Whatever is declared, a value
// encoded and dispatched arrives unchanged; any cut of a valid frame is refused as truncated; an
// extra byte is refused as trailing garbage; arbitrary bytes either decode or raise a MessageError,
// and give the same outcome whatever lies in the buffer past the frame's length.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type Declaration,
  defineInterface,
  type FieldType,
  type Interface,
  MessageBuffer,
  MessageError,
  type ScalarType,
  t,
} from "../../src/idl/index.js";

const scalarNames = ["u8", "u16", "u32", "i8", "i16", "i32", "f32", "f64", "bool", "u64", "i64"] as const;
type ScalarName = (typeof scalarNames)[number];

/** A field type together with a generator of its values. */
interface Typed {
  readonly type: FieldType<unknown>;
  readonly values: fc.Arbitrary<unknown>;
}

function scalarValues(name: ScalarName): fc.Arbitrary<unknown> {
  switch (name) {
    case "u8":
      return fc.integer({ min: 0, max: 0xff });
    case "u16":
      return fc.integer({ min: 0, max: 0xffff });
    case "u32":
      return fc.integer({ min: 0, max: 0xffff_ffff });
    case "i8":
      return fc.integer({ min: -0x80, max: 0x7f });
    case "i16":
      return fc.integer({ min: -0x8000, max: 0x7fff });
    case "i32":
      return fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });
    case "f32":
      return fc.float();
    case "f64":
      return fc.double();
    case "bool":
      return fc.boolean();
    case "u64":
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case "i64":
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  }
}

/** Cuts a string at a code point boundary so that its UTF-8 fits in maxBytes. */
function fitUtf8(s: string, maxBytes: number): string {
  let out = "";
  let used = 0;
  for (const point of s) {
    const size = Buffer.byteLength(point, "utf8");
    if (used + size > maxBytes) break;
    out += point;
    used += size;
  }
  return out;
}

const typed: fc.Arbitrary<Typed> = fc.oneof(
  fc.constantFrom(...scalarNames).map((name) => ({ type: t[name], values: scalarValues(name) })),
  fc
    .integer({ min: 1, max: 200 })
    .map((max) => ({ type: t.bytes(max), values: fc.uint8Array({ maxLength: max }) })),
  fc.integer({ min: 1, max: 200 }).map((max) => ({
    type: t.string(max),
    values: fc
      .oneof(
        fc.string({ unit: "binary", maxLength: max }),
        fc.string({ unit: "binary-ascii", maxLength: max }),
        fc.string({ unit: "grapheme", maxLength: max }),
      )
      .map((s) => fitUtf8(s, max)),
  })),
  fc.tuple(fc.constantFrom(...scalarNames), fc.integer({ min: 1, max: 20 })).map(([name, count]) => ({
    type: t.array(t[name] as ScalarType<number>, count),
    values: fc.array(scalarValues(name), { minLength: count, maxLength: count }),
  })),
);

interface RandomInterface {
  readonly iface: Interface<Declaration>;
  readonly fields: readonly (readonly Typed[])[];
}

/** 1 to 5 messages of 0 to 6 fields: at most 6 × 202 bytes, so every message fits messageBytesMax. */
const randomInterface: fc.Arbitrary<RandomInterface> = fc
  .tuple(
    fc.array(fc.array(typed, { maxLength: 6 }), { minLength: 1, maxLength: 5 }),
    fc.integer({ min: 0, max: 0xff00 }),
  )
  .map(([messages, typeBase]) => {
    const declaration: Record<string, (readonly [string, FieldType<unknown>])[]> = {};
    messages.forEach((fields, m) => {
      declaration[`m${m}`] = fields.map((field, f) => [`f${f}`, field.type] as const);
    });
    return { iface: defineInterface("random", declaration, { typeBase }), fields: messages };
  });

/** An interface, one of its messages, and values for it. */
const randomMessage = randomInterface.chain(({ iface, fields }) =>
  fc
    .integer({ min: 0, max: fields.length - 1 })
    .chain((index) =>
      fc.tuple(...fields[index]!.map((field) => field.values)).map((values) => ({ iface, index, values })),
    ),
);

type Calls = [string, unknown[]][];

function recorder(iface: Interface<Declaration>, channelName: string) {
  const calls: Calls = [];
  const handlers: Record<string, (...args: unknown[]) => void> = {};
  for (let m = 0; m < iface.count; m++) handlers[`m${m}`] = (...args) => calls.push([`m${m}`, args]);
  const receive = iface.dispatcher(handlers as never, channelName);
  return { calls, receive };
}

function encode(iface: Interface<Declaration>, index: number, values: unknown[], buf: MessageBuffer): number {
  const encoder = (iface.encode as Record<string, (buf: MessageBuffer, ...args: unknown[]) => number>)[
    `m${index}`
  ]!;
  return encoder(buf, ...values);
}

describe("idl properties", () => {
  it("values round-trip through encode and dispatch", () => {
    fc.assert(
      fc.property(randomMessage, ({ iface, index, values }) => {
        const { calls, receive } = recorder(iface, "prop");
        const buf = new MessageBuffer();
        const length = encode(iface, index, values, buf);
        receive(iface.typeBase + index, buf.bytes, length);
        assert.deepEqual(calls, [[`m${index}`, values]]);
      }),
      { numRuns: 500 },
    );
  });

  it("a sender sends the same bytes as the encoder", () => {
    fc.assert(
      fc.property(randomMessage, ({ iface, index, values }) => {
        const buf = new MessageBuffer();
        const length = encode(iface, index, values, buf);
        let sent: number[] = [];
        const sender = iface.sender({
          name: "capture",
          send(type, bytes, n) {
            assert.equal(type, iface.typeBase + index);
            sent = Array.from(bytes.subarray(0, n));
          },
        }) as unknown as Record<string, (...args: unknown[]) => void>;
        sender[`m${index}`]!(...values);
        assert.deepEqual(sent, Array.from(buf.bytes.subarray(0, length)));
      }),
      { numRuns: 200 },
    );
  });

  it("every cut of a valid frame is refused as truncated, one more byte as trailing garbage", () => {
    fc.assert(
      fc.property(randomMessage, fc.nat(), ({ iface, index, values }, cut) => {
        const { calls, receive } = recorder(iface, "prop");
        const buf = new MessageBuffer();
        const length = encode(iface, index, values, buf);
        if (length > 0) {
          const short = cut % length;
          assert.throws(
            () => receive(iface.typeBase + index, buf.bytes, short),
            (error: unknown) =>
              error instanceof MessageError &&
              error.message.startsWith(`channel "prop": random.m${index}: truncated frame: field "f`),
          );
        }
        assert.throws(
          () => receive(iface.typeBase + index, buf.bytes, length + 1),
          (error: unknown) =>
            error instanceof MessageError &&
            error.message ===
              `channel "prop": random.m${index}: trailing garbage: the fields take ${length} bytes, but the frame is ${length + 1} bytes`,
        );
        assert.deepEqual(calls, []);
      }),
      { numRuns: 300 },
    );
  });

  it("arbitrary bytes decode or raise a MessageError, and nothing past the length matters", () => {
    fc.assert(
      fc.property(
        randomInterface,
        fc.nat(),
        fc.uint8Array({ maxLength: 400 }),
        fc.uint8Array({ minLength: 1, maxLength: 8 }),
        ({ iface }, which, frame, after) => {
          const type = iface.typeBase + (which % iface.count);
          const outcome = (bytes: Uint8Array): unknown => {
            const { calls, receive } = recorder(iface, "fuzz");
            try {
              receive(type, bytes, frame.length);
              return calls;
            } catch (error) {
              assert.ok(error instanceof MessageError, `not a MessageError: ${String(error)}`);
              return error.message;
            }
          };
          const exact = outcome(frame.slice());
          const padded = new Uint8Array(frame.length + after.length);
          padded.set(frame);
          padded.set(after, frame.length);
          assert.deepEqual(outcome(padded), exact);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("strings encode to the same bytes as TextEncoder, unpaired surrogates included", () => {
    const iface = defineInterface("text", { s: [["s", t.string(400)]] });
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 100 }), (units) => {
        const s = String.fromCharCode(...units);
        const buf = new MessageBuffer();
        const length = iface.encode.s(buf, s);
        assert.deepEqual(buf.bytes.slice(2, length), encoder.encode(s));
        assert.equal(buf.view.getUint16(0, true), length - 2);
      }),
      { numRuns: 500 },
    );
  });
});
