// Tests of encoding in place (a transport with slots, src/idl's SlotWriter): a message of one slot's
// size or less is written straight into the reserved slot, byte for byte what the buffer path
// writes; with no free slot, or a message too big for one, the buffer path is taken; an argument
// the encoder refuses throws as usual and commits nothing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defineInterface, type SlotWriter, t } from "../../src/idl/index.js";
import { slotPayloadBytes } from "../../src/limits.js";

const iface = defineInterface("slots", {
  small: [
    ["a", t.u32],
    ["b", t.f64],
    ["c", t.array(t.u16, 3)],
  ],
  full: [["x", t.array(t.u32, slotPayloadBytes / 4)]],
  text: [["s", t.string(16)]],
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
    iface.sender(transport).small(7, 2.5, [1, 2, 65535]);
    assert.equal(sent.length, 0);
    assert.deepEqual(commits, [{ type: iface.typeOf.small, length: 18 }]);
    const expected = viaBuffer((s) => s.small!(7, 2.5, [1, 2, 65535]));
    assert.deepEqual(new Uint8Array(memory, at, 18), expected);
    const words = Array.from({ length: slotPayloadBytes / 4 }, (_, i) => i * 1000);
    iface.sender(transport).full(words);
    assert.equal(commits.at(-1)!.length, slotPayloadBytes);
    assert.deepEqual(
      new Uint8Array(memory, at, slotPayloadBytes),
      viaBuffer((s) => s.full!(words)),
    );
  });

  it("takes the buffer path when no slot is free, and for variable-length messages", () => {
    const { transport, sent, commits, setFree } = slotted(0);
    setFree(false);
    iface.sender(transport).small(1, 0, [0, 0, 0]);
    setFree(true);
    iface.sender(transport).text("hi");
    assert.equal(commits.length, 0);
    assert.deepEqual(
      sent.map((f) => f.type),
      [iface.typeOf.small, iface.typeOf.text],
    );
  });

  it("refuses a bad argument as the buffer path does, committing nothing", () => {
    const { transport, sent, commits } = slotted(0);
    assert.throws(
      () => iface.sender(transport).small(-1, 0, [0, 0, 0]),
      /field "a" = -1 is out of range for u32/,
    );
    assert.throws(() => iface.sender(transport).small(1, 0, [0, 70000, 0]), /element \[1\] = 70000/);
    assert.equal(commits.length + sent.length, 0);
  });
});
