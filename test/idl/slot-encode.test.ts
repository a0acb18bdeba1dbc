// Tests of encoding in place (a transport with slots, src/idl's SlotWriter): a message of one slot's
// size or less is written straight into the reserved slot, byte for byte what the buffer path
// writes; so is a message with strings when its values fit the slot, and when they do not it takes
// the buffer path; with no free slot, or a message with a bytes or array field, the buffer path is
// taken; an argument the encoder refuses throws as usual and commits nothing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { defineInterface, type SlotWriter, t } from "../../src/idl/index.js";
import { slotPayloadBytes } from "../../src/limits.js";

const iface = defineInterface("slots", {
  small: [
    ["a", t.u32],
    ["b", t.f64],
    ["c", t.u16],
    ["d", t.bool],
  ],
  full: [
    ["x0", t.f64],
    ["x1", t.f64],
    ["x2", t.f64],
    ["x3", t.f64],
    ["x4", t.f64],
    ["x5", t.f64],
    ["x6", t.f64],
    ["y", t.u32],
  ],
  text: [["s", t.string(16)]],
  list: [["c", t.array(t.u16, 3)]],
  pair: [
    ["id", t.u32],
    ["key", t.string(64)],
    ["value", t.string(256)],
    ["found", t.bool],
  ],
  blob: [["b", t.bytes(8)]],
});

/** A transport with one slot at byte `at` of its memory, counting what it does. */
function slotted(at: number) {
  const memory = new ArrayBuffer(256);
  const sent: Array<{ type: number; bytes: Uint8Array }> = [];
  const commits: Array<{ type: number; length: number }> = [];
  let free = true;
  const slot: SlotWriter = {
    bytes: new Uint8Array(memory),
    view: new DataView(memory),
    reserve: () => (free ? at : -1),
    commit: (type, length) => commits.push({ type, length }),
  };
  const transport = {
    name: "slotted",
    slot,
    send: (type: number, bytes: Uint8Array, length: number) =>
      sent.push({ type, bytes: bytes.slice(0, length) }),
  };
  return { transport, sent, commits, memory, setFree: (f: boolean) => (free = f) };
}

/** What the buffer path sends for the same call. */
function viaBuffer(send: (s: Record<string, (...args: unknown[]) => void>) => void): Uint8Array {
  const frames: Uint8Array[] = [];
  const sender = iface.sender({
    name: "plain",
    send: (_t, bytes, length) => frames.push(bytes.slice(0, length)),
  });
  send(sender as never);
  return frames[0]!;
}

describe("idl: encoding straight into a slot", () => {
  it("writes a one-slot message in place, byte for byte as the buffer path", () => {
    const at = 64;
    const { transport, sent, commits, memory } = slotted(at);
    iface.sender(transport).small(7, 2.5, 65535, true);
    assert.equal(sent.length, 0);
    assert.deepEqual(commits, [{ type: iface.typeOf.small, length: 15 }]);
    const expected = viaBuffer((s) => s.small!(7, 2.5, 65535, true));
    assert.deepEqual(new Uint8Array(memory, at, 15), expected);
    const values = [0.5, -1, 1e300, 3, 4, 5, 6, 0xffff_ffff] as const;
    iface.sender(transport).full(...values);
    assert.equal(commits.at(-1)!.length, slotPayloadBytes);
    assert.deepEqual(
      new Uint8Array(memory, at, slotPayloadBytes),
      viaBuffer((s) => s.full!(...values)),
    );
  });

  it("takes the buffer path when no slot is free, and for bytes and array messages", () => {
    const { transport, sent, commits, setFree } = slotted(0);
    setFree(false);
    iface.sender(transport).small(1, 0, 0, false);
    iface.sender(transport).text("hi");
    setFree(true);
    iface.sender(transport).list([1, 2, 3]);
    iface.sender(transport).blob(new Uint8Array([1, 2]));
    assert.equal(commits.length, 0);
    assert.deepEqual(
      sent.map((f) => f.type),
      [iface.typeOf.small, iface.typeOf.text, iface.typeOf.list, iface.typeOf.blob],
    );
  });

  it("writes strings that fit in place, and sends longer ones from the buffer", () => {
    const at = 64;
    const { transport, sent, commits, memory } = slotted(at);
    const sender = iface.sender(transport);
    sender.pair(9, "c0k17", "c0k17=1".padEnd(32, "."), true);
    sender.pair(10, "ключ", "√ 𝄞", false);
    assert.equal(sent.length, 0);
    assert.equal(commits.length, 2);
    assert.deepEqual(
      new Uint8Array(memory, at, commits[1]!.length),
      viaBuffer((s) => s.pair!(10, "ключ", "√ 𝄞", false)),
    );
    // 4 + 2 + 5 + 2 + 1 = 14 bytes of fields and prefixes: a value of 47 bytes fills the slot exactly.
    sender.pair(11, "c0k17", "v".repeat(slotPayloadBytes - 14), true);
    assert.equal(commits.at(-1)!.length, slotPayloadBytes);
    sender.pair(12, "c0k17", "v".repeat(slotPayloadBytes - 13), true);
    sender.pair(13, "c0k17", "é".repeat(30), true);
    assert.equal(commits.length, 3);
    assert.deepEqual(
      sent.map((f) => f.bytes),
      [
        viaBuffer((s) => s.pair!(12, "c0k17", "v".repeat(slotPayloadBytes - 13), true)),
        viaBuffer((s) => s.pair!(13, "c0k17", "é".repeat(30), true)),
      ],
    );
  });

  it("sends any strings byte for byte as the buffer path, in place or not", () => {
    const strings = (max: number) =>
      fc.oneof(
        fc.string({ unit: "binary-ascii", maxLength: max }),
        fc.string({ unit: "binary", maxLength: max / 4 }),
        fc.string({ unit: "grapheme", maxLength: max / 4 }),
      );
    fc.assert(
      fc.property(fc.nat(), strings(64), strings(256), fc.boolean(), (id, key, value, found) => {
        const at = 128;
        const { transport, sent, commits, memory } = slotted(at);
        const expected = viaBuffer((s) => s.pair!(id, key, value, found));
        iface.sender(transport).pair(id, key, value, found);
        const got = commits.length === 1 ? new Uint8Array(memory, at, commits[0]!.length) : sent[0]!.bytes;
        assert.equal(commits.length + sent.length, 1);
        assert.equal(commits.length === 1, expected.length <= slotPayloadBytes);
        assert.deepEqual(got, expected);
      }),
      { numRuns: 500 },
    );
  });

  it("refuses a bad argument as the buffer path does, committing nothing", () => {
    const { transport, sent, commits } = slotted(0);
    assert.throws(
      () => iface.sender(transport).small(-1, 0, 0, false),
      /field "a" = -1 is out of range for u32/,
    );
    assert.throws(
      () => iface.sender(transport).small(1, 0, 70000, false),
      /field "c" = 70000 is out of range for u16/,
    );
    assert.throws(
      () => iface.sender(transport).pair(1, 7 as never, "", true),
      /field "key" = 7 is not a string/,
    );
    assert.throws(
      () => iface.sender(transport).pair(1, "k", "x".repeat(257), true),
      /field "value" = "x+"\.\.\. is 257 bytes of UTF-8, over the maximum of 256/,
    );
    assert.throws(
      () => iface.sender(transport).pair(1, "k", "é".repeat(200), true),
      /field "value" = "é+"\.\.\. is 400 bytes of UTF-8, over the maximum of 256/,
    );
    assert.throws(
      () => iface.sender(transport).pair(1, "k", "", 2 as never),
      /field "found" = 2 is not a boolean/,
    );
    assert.equal(commits.length + sent.length, 0);
  });
});
