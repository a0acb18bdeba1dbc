// Tests of the real platform's port over a ring (src/platform/real/ring-port.ts), in one thread:
// FIFO through the backlog when the ring is full, in-place slots refused while messages wait, and
// the credit wake-up — a port with a backlog asks its receiver to ring the sender's doorbell on its
// next acknowledgement, so that a core sleeping with messages to send wakes when room returns.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { slotsPerRing } from "../../src/limits.js";
import { type PortOwner, RingPort } from "../../src/platform/real/ring-port.js";
import { doorbellAsleep, doorbellAwake } from "../../src/urpc/doorbell.js";
import { UrpcChannel } from "../../src/urpc/index.js";

/** A core that is never inside a poll turn and records which ports it must flush. */
function owner(): PortOwner & { dirty: RingPort[] } {
  const dirty: RingPort[] = [];
  return { inTurn: false, trace: undefined, dirty, markDirty: (port) => dirty.push(port) };
}

function pair() {
  const memory = UrpcChannel.allocate();
  const a = new UrpcChannel(memory, 0, 0, "a");
  const b = new UrpcChannel(memory, 0, 1, "b");
  const core = owner();
  return { a, b, core, port: new RingPort("a->b", a.sender, core) };
}

describe("real platform: a port over a ring", () => {
  it("keeps FIFO through its backlog, and refuses a slot while messages wait", () => {
    const { b, core, port } = pair();
    const message = new Uint8Array(4);
    const total = slotsPerRing + 10;
    for (let i = 0; i < total; i++) {
      new DataView(message.buffer).setUint32(0, i, true);
      port.send(7, message, 4);
    }
    assert.equal(core.dirty.length, 1, "marked dirty once, however many messages wait");
    assert.equal(port.reserve(), -1, "no slot while the backlog holds earlier messages");
    const seen: number[] = [];
    const take = () =>
      b.poll((_type, bytes) => seen.push(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true)));
    while (seen.length < total) {
      take();
      port.flush();
    }
    assert.deepEqual(
      seen,
      Array.from({ length: total }, (_, i) => i),
    );
    assert.ok(port.reserve() >= 0, "a slot again once the backlog is out");
  });

  it("asks the receiver to ring the sender's doorbell when credit returns", () => {
    for (const asks of [true, false]) {
      const { a, b, port } = pair();
      const message = new Uint8Array(4);
      for (let i = 0; i < slotsPerRing + 1; i++) port.send(1, message, 4);
      assert.equal(port.canDrain(), false, "the ring is full");
      if (asks) assert.equal(port.awaitCredit(), false, "no credit yet: the core may sleep");
      // The sending core goes to sleep: its doorbell word says so.
      const doorbell = a.receiveDoorbell;
      Atomics.store(doorbell.words, doorbell.index, doorbellAsleep);
      b.poll(() => {});
      const rung = Atomics.load(doorbell.words, doorbell.index) === doorbellAwake;
      assert.equal(rung, asks, asks ? "the receiver's acknowledgement rang the sender" : "rung unasked");
      assert.equal(port.canDrain(), true);
      assert.equal(port.flush(), true);
    }
  });

  it("a port with nothing waiting asks for nothing", () => {
    const { port } = pair();
    assert.equal(port.awaitCredit(), false);
    assert.equal(port.canDrain(), false);
  });
  it("refuses a bad message into its backlog, naming what was wrong, and the rest still goes out", () => {
    const { b, port } = pair();
    const message = new Uint8Array(4);
    for (let i = 0; i < slotsPerRing + 1; i++) port.send(1, message, 4);
    assert.throws(() => port.send(1, message, -1), /length -1 is not within its 4-byte buffer/);
    assert.throws(() => port.send(70000, message, 4), /message type 70000 is not an integer/);
    let delivered = 0;
    while (delivered < slotsPerRing + 1) {
      delivered += b.poll(() => {});
      port.flush();
    }
    assert.equal(port.flush(), true);
  });
});
