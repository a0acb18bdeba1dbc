// Declaring interfaces: type numbers and names come from the declaration, and every malformed
// declaration is refused when it is made, with an error that says what is wrong.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ArgsOf,
  defineInterface,
  type Handlers,
  MessageBuffer,
  type Sender,
  t,
} from "../../src/idl/index.js";
import {
  fieldsPerMessageMax,
  fixedArrayElementsMax,
  messageBytesMax,
  messagesPerInterfaceMax,
} from "../../src/limits.js";

describe("idl declarations", () => {
  const pingPong = defineInterface(
    "ping_pong",
    {
      ping: [["val", t.u32]],
      str0: [
        ["x", t.u32],
        ["s", t.string(2048)],
      ],
      blob: [
        ["b", t.bytes(100)],
        ["v", t.array(t.f64, 4)],
        ["ok", t.bool],
      ],
    },
    { typeBase: 0x0f00 },
  );

  it("type numbers are typeBase plus the declaration index", () => {
    assert.equal(pingPong.name, "ping_pong");
    assert.deepEqual({ ...pingPong.typeOf }, { ping: 0x0f00, str0: 0x0f01, blob: 0x0f02 });
    assert.equal(pingPong.nameOf(0x0f02), "blob");
    assert.equal(pingPong.nameOf(0x0f03), undefined);
    assert.equal(pingPong.nameOf(0x0eff), undefined);
    assert.equal(pingPong.nameOf(0x0f00 + 0.5), undefined);
    assert.equal(pingPong.owns(0x0f00), true);
    assert.equal(pingPong.owns(0x0f03), false);
    assert.equal(defineInterface("zero", { a: [] }).typeOf.a, 0);
  });

  it("the types follow the declaration", () => {
    // Compile-time checks: these lines fail to compile if the inferred types are wrong.
    const args: ArgsOf<typeof pingPong, "blob"> = [new Uint8Array(1), [1, 2, 3, 4], true];
    const handlers: Handlers<typeof pingPong> = {
      ping: (val: number) => void val,
      str0: (x: number, s: string) => void [x, s],
      blob: (b: Uint8Array, v: readonly number[], ok: boolean) => void [b, v, ok],
    };
    const wide = defineInterface("wide", {
      w: [
        ["x", t.u64],
        ["a", t.array(t.i64, 2)],
        ["f", t.array(t.bool, 1)],
      ],
    });
    const wideArgs: ArgsOf<typeof wide, "w"> = [1n, [1n, -1n], [true]];
    const send = (s: Sender<typeof pingPong>) => {
      s.ping(1);
      // @ts-expect-error a u32 field takes a number
      s.ping("1");
      // @ts-expect-error one argument, not two
      s.ping(1, 2);
      // @ts-expect-error no such message
      s.pong(1);
    };
    // @ts-expect-error wrong field type in the encoder
    const encodeWrong = () => pingPong.encode.str0(new MessageBuffer(), 1, 2);
    assert.equal(args.length, 3);
    assert.equal(wideArgs.length, 3);
    assert.equal(typeof handlers.ping, "function");
    assert.equal(typeof send, "function");
    assert.equal(typeof encodeWrong, "function");
  });

  it("refuses bad names", () => {
    assert.throws(() => defineInterface("", { a: [] }), /interface has an empty or missing name/);
    assert.throws(() => defineInterface("x-y", { a: [] }), /interface "x-y" is not an identifier/);
    assert.throws(() => defineInterface("i", {}), /interface i declares no messages/);
    assert.throws(() => defineInterface("i", { "1a": [] }), /message i.1a: "1a" is not an identifier/);
    assert.throws(
      () => defineInterface("i", { constructor: [] }),
      /"constructor" clashes with an Object.prototype property/,
    );
    assert.throws(
      () => defineInterface("i", { m: [["", t.u8]] }),
      /field 0 of i.m has an empty or missing name/,
    );
    assert.throws(
      () => defineInterface("i", { m: [["a b", t.u8]] }),
      /field 0 of i.m "a b" is not an identifier/,
    );
    assert.throws(
      () =>
        defineInterface("i", {
          m: [
            ["a", t.u8],
            ["a", t.u16],
          ],
        }),
      /i.m: field "a" is declared twice/,
    );
    assert.throws(() => defineInterface("a".repeat(65), { m: [] }), /is longer than 64 characters/);
  });

  it("refuses malformed fields", () => {
    assert.throws(
      () => defineInterface("i", { m: [["a", { kind: "u33" }]] } as never),
      /i.m: field "a" has no type from t/,
    );
    assert.throws(
      () => defineInterface("i", { m: [["a"]] } as never),
      /i.m: field 0 is not a \[name, type\] pair/,
    );
    assert.throws(() => defineInterface("i", { m: "x" } as never), /i.m: the fields must be an array/);
  });

  it("refuses too many fields or messages", () => {
    const fields = Array.from({ length: fieldsPerMessageMax + 1 }, (_, i) => [`f${i}`, t.u8] as const);
    assert.throws(
      () => defineInterface("i", { m: fields }),
      new RegExp(`i.m declares ${fieldsPerMessageMax + 1} fields, over fieldsPerMessageMax`),
    );
    assert.doesNotThrow(() => defineInterface("i", { m: fields.slice(1) }));
    const messages = Object.fromEntries(
      Array.from({ length: messagesPerInterfaceMax + 1 }, (_, i) => [`m${i}`, []]),
    );
    assert.throws(
      () => defineInterface("i", messages),
      /declares 257 messages, over messagesPerInterfaceMax/,
    );
  });

  it("refuses type numbers past 16 bits and bad type bases", () => {
    assert.throws(
      () => defineInterface("i", { a: [], b: [] }, { typeBase: 0xffff }),
      /passes the 16-bit type range/,
    );
    assert.doesNotThrow(() => defineInterface("i", { a: [] }, { typeBase: 0xffff }));
    assert.throws(() => defineInterface("i", { a: [] }, { typeBase: -1 }), /typeBase -1 is not an integer/);
    assert.throws(() => defineInterface("i", { a: [] }, { typeBase: 1.5 }), /typeBase 1.5 is not an integer/);
  });

  it("refuses bad maximum lengths and array counts", () => {
    assert.throws(() => t.bytes(0), /t.bytes\(0\): the maximum must be an integer in \[1, 2048\]/);
    assert.throws(() => t.string(messageBytesMax + 1), /t.string\(2049\): the maximum must be an integer/);
    assert.throws(() => t.bytes(1.5), /t.bytes\(1.5\)/);
    assert.throws(() => t.array(t.u8, 0), /the count must be an integer in \[1, 1024\]/);
    assert.throws(() => t.array(t.u8, fixedArrayElementsMax + 1), /t.array\(u8, 1025\)/);
    assert.throws(() => t.array(t.string(4) as never, 2), /the element type must be a scalar type/);
  });

  it("refuses messages whose fixed part alone is over messageBytesMax", () => {
    assert.throws(
      () =>
        defineInterface("i", {
          m: [
            ["a", t.array(t.f64, 256)],
            ["b", t.u8],
          ],
        }),
      /i.m: its fixed fields take 2049 bytes, over messageBytesMax \(2048\)/,
    );
    assert.doesNotThrow(() => defineInterface("i", { m: [["a", t.array(t.f64, 256)]] }));
  });
});
