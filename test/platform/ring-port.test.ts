// Tests of the real platform's port over a ring (src/platform/real/ring-port.ts), in one thread:
// FIFO through the backlog when the ring is full, in-place slots refused while messages wait, and
// the credit wake-up — a port with a backlog asks its receiver to ring the sender's doorbell on its
// next acknowledgement, so that a core sleeping with messages to send wakes when room returns.
// Backpressure: a burst past the ring and past portBacklogMax (every accepted message delivered,
// in order; the one past the bound refused with an error naming the port and the limit, and
// sends accepted again once the backlog drains), with messages of several slots among one-slot
// ones, and a long stream that drains slower than it is sent. Inside a poll turn a send is
// published when the core flushes the port; outside one, a port's first send at once. Closing: what
// was sent before the close still goes out, in order, and the port says it closed once it is out
// (or, abandoned, how many messages it dropped).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { portBacklogMax, slotPayloadBytes, slotsPerRing } from "../../src/limits.js";
import { type PortOwner, RingPort } from "../../src/platform/real/ring-port.js";
import { doorbellAsleep, doorbellAwake } from "../../src/urpc/doorbell.js";
import { UrpcChannel } from "../../src/urpc/index.js";

/** A core that records which ports it must flush; inside a poll turn unless told. */
function owner(inTurn = true): PortOwner & { dirty: RingPort[]; later: RingPort[] } {
  const dirty: RingPort[] = [];
  const later: RingPort[] = [];
  return {
    inTurn,
    trace: undefined,
    dirty,
    later,
    markDirty: (port) => dirty.push(port),
    publishLater: (port) => later.push(port),
  };
}

function pair(inTurn = true) {
  const memory = UrpcChannel.allocate();
  const a = new UrpcChannel(memory, 0, 0, "a");
  const b = new UrpcChannel(memory, 0, 1, "b");
  const core = owner(inTurn);
  return { a, b, core, port: new RingPort("a->b", a.sender, core) };
}

/** Bytes of a message carrying sequence number `i`: one slot, or `lengthBytes` when given. */
function numbered(i: number, lengthBytes = 4): Uint8Array {
  const bytes = new Uint8Array(lengthBytes);
  new DataView(bytes.buffer).setUint32(0, i, true);
  return bytes;
}

/** Polls up to `messagesMax` messages from `b`, appending their sequence numbers to `seen`. */
function receive(b: UrpcChannel, seen: number[], messagesMax = slotsPerRing): number {
  return b.poll(
    (_type, bytes) => seen.push(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true)),
    messagesMax,
  );
}

/** Bound on receive-and-flush rounds when draining: far more than any test here needs. */
const drainRoundsMax = 100_000;

/** Receives and flushes until the port has nothing waiting and the ring is empty. */
function drainAll(b: UrpcChannel, port: RingPort, seen: number[]): void {
  for (let round = 0; ; round++) {
    assert.ok(round < drainRoundsMax, `not drained within ${drainRoundsMax} rounds`);
    const out = port.flush();
    if (receive(b, seen) === 0 && out) return;
  }
}

describe("real platform: a port over a ring", () => {
  it("outside a turn: publishes its first send at once, the next ones with the core's publish", () => {
    const { b, core, port } = pair(false);
    const seen: number[] = [];
    port.send(7, numbered(0), 4);
    assert.equal(receive(b, seen), 1, "the first send was not published at once");
    assert.deepEqual(core.later, [port], "the core was asked to publish the sends that follow");
    port.send(7, numbered(1), 4);
    port.send(7, numbered(2), 4);
    assert.equal(receive(b, seen), 0, "a later send was published before the core's publish");
    assert.deepEqual(core.dirty, [port]);
    assert.equal(port.flush(), true);
    port.stretchEnded();
    assert.equal(receive(b, seen), 2);
    port.send(7, numbered(3), 4);
    assert.equal(receive(b, seen), 1, "after the core's publish, the next send goes out at once again");
    assert.deepEqual(seen, [0, 1, 2, 3]);
  });

  it("inside a turn: writes each send unpublished, tells its core once, and publishes on flush", () => {
    const { b, core, port } = pair();
    for (let i = 0; i < 3; i++) port.send(7, numbered(i), 4);
    const offset = port.reserve();
    assert.ok(offset >= 0);
    port.view.setUint32(offset, 3, true);
    port.commit(7, 4);
    const seen: number[] = [];
    assert.equal(receive(b, seen), 0, "nothing is visible before the core flushes");
    assert.equal(core.dirty.length, 1, "the core is told once for the whole batch");
    assert.equal(port.flush(), true);
    assert.equal(receive(b, seen), 4);
    assert.deepEqual(seen, [0, 1, 2, 3]);
  });

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
  for (const inTurn of [true, false]) {
    it(`a burst past the ring and past portBacklogMax ${inTurn ? "inside" : "outside"} a poll turn: the rest delivered in order, the excess refused`, () => {
      const { b, port } = pair(inTurn);
      const accepted = slotsPerRing + portBacklogMax;
      for (let i = 0; i < accepted; i++) port.send(7, numbered(i), 4);
      assert.throws(
        () => port.send(7, numbered(accepted), 4),
        new RegExp(
          `port "a->b": ${portBacklogMax} messages already wait for room \\(limits\\.portBacklogMax\\)`,
        ),
      );
      const seen: number[] = [];
      drainAll(b, port, seen);
      assert.deepEqual(
        seen,
        Array.from({ length: accepted }, (_, i) => i),
        "every accepted message, once, in the order sent; the refused one never",
      );
      // Drained, the port takes a full burst again.
      for (let i = 0; i < accepted; i++) port.send(7, numbered(accepted + i), 4);
      const again: number[] = [];
      drainAll(b, port, again);
      assert.deepEqual(
        again,
        Array.from({ length: accepted }, (_, i) => accepted + i),
      );
    });
  }

  it("messages of several slots wait in the backlog among one-slot ones, in order", () => {
    const { b, port } = pair();
    const total = 3 * slotsPerRing;
    const lengthOf = (i: number) => (i % 5 === 0 ? 3 * slotPayloadBytes + 7 : 4);
    for (let i = 0; i < total; i++) port.send(9, numbered(i, lengthOf(i)), lengthOf(i));
    const seen: number[] = [];
    const lengths: number[] = [];
    for (let round = 0; round < drainRoundsMax && seen.length < total; round++) {
      b.poll((_type, bytes, length) => {
        seen.push(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true));
        lengths.push(length);
      });
      port.flush();
    }
    assert.deepEqual(
      seen,
      Array.from({ length: total }, (_, i) => i),
    );
    assert.deepEqual(
      lengths,
      Array.from({ length: total }, (_, i) => lengthOf(i)),
    );
    assert.equal(port.flush(), true);
  });

  it("a stream sent faster than it drains, past portBacklogMax in all, arrives whole and in order", () => {
    const { b, port } = pair();
    // Each round sends more than a ring holds and receives less, so the backlog grows while its
    // head moves on past portBacklogMax (the port compacts it then); it never reaches the bound.
    const perRoundSent = slotsPerRing + slotsPerRing / 4;
    const perRoundReceived = slotsPerRing;
    const rounds = Math.ceil((2 * portBacklogMax) / perRoundReceived);
    assert.ok(rounds * (perRoundSent - perRoundReceived) < portBacklogMax, "the test stays within the bound");
    const seen: number[] = [];
    let sent = 0;
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < perRoundSent; i++) port.send(7, numbered(sent++), 4);
      port.flush();
      receive(b, seen, perRoundReceived);
    }
    drainAll(b, port, seen);
    assert.equal(seen.length, sent);
    assert.ok(
      seen.every((value, i) => value === i),
      "in the order sent",
    );
  });
});

describe("real platform: closing a port with messages waiting for room", () => {
  it("refuses sends at once, delivers what was sent before in order, and says closed once it is all out", () => {
    const { b, port } = pair();
    const total = slotsPerRing * 3;
    for (let i = 0; i < total; i++) port.send(7, numbered(i), 4);
    const closed: number[] = [];
    port.close((dropped) => closed.push(dropped));
    assert.ok(port.draining);
    assert.equal(closed.length, 0, "closed before the backlog was out");
    assert.throws(() => port.send(7, numbered(total), 4), /send on a closed channel end/);
    assert.equal(port.reserve(), -1, "a closing port offers no slot");
    port.close(() => closed.push(-1));
    const seen: number[] = [];
    drainAll(b, port, seen);
    assert.deepEqual(
      seen,
      Array.from({ length: total }, (_, i) => i),
    );
    assert.deepEqual(closed, [0], "closed once, with nothing dropped, after a second close did nothing");
    assert.equal(port.draining, false);
    assert.equal(port.abandon(), 0, "nothing to abandon once closed");
  });

  it("a port with nothing waiting closes at once, publishing what was written", () => {
    const { b, port } = pair();
    port.send(7, numbered(0), 4);
    const closed: number[] = [];
    port.close((dropped) => closed.push(dropped));
    assert.deepEqual(closed, [0]);
    assert.equal(port.draining, false);
    const seen: number[] = [];
    receive(b, seen);
    assert.deepEqual(seen, [0]);
  });

  it("abandoned while draining: drops what still waits, counts it, and never touches the ring again", () => {
    const { b, port } = pair();
    const total = slotsPerRing + 25;
    for (let i = 0; i < total; i++) port.send(7, numbered(i), 4);
    const closed: number[] = [];
    port.close((dropped) => closed.push(dropped));
    assert.equal(port.abandon(), 25);
    assert.deepEqual(closed, [25]);
    const seen: number[] = [];
    receive(b, seen);
    assert.equal(port.flush(), true, "a closed port has nothing to flush");
    receive(b, seen);
    assert.deepEqual(
      seen,
      Array.from({ length: slotsPerRing }, (_, i) => i),
      "only what was in the ring arrived",
    );
  });
});

describe("real platform: a port's drain (PortDrain)", () => {
  it("nothing waits while the ring has room: whenDrained calls back at once", () => {
    const { port } = pair();
    port.send(7, numbered(0), 4);
    assert.equal(port.drain.messagesWaiting(), 0);
    let called = 0;
    port.drain.whenDrained(() => called++);
    assert.equal(called, 1);
  });

  it("calls back once what waited when asked is in the ring, however much is sent after", () => {
    const { b, port } = pair();
    const before = 100;
    for (let i = 0; i < slotsPerRing + before; i++) port.send(7, numbered(i), 4);
    assert.equal(port.drain.messagesWaiting(), before);
    let called = 0;
    port.drain.whenDrained(() => called++);
    for (let i = 0; i < before; i++) port.send(7, numbered(slotsPerRing + before + i), 4);
    const seen: number[] = [];
    for (let round = 0; called === 0; round++) {
      assert.ok(round < drainRoundsMax, `not called back within ${drainRoundsMax} rounds`);
      assert.ok(port.drain.messagesWaiting() > before, "called back late");
      receive(b, seen, 1);
      port.flush();
    }
    assert.equal(called, 1);
    assert.ok(port.drain.messagesWaiting() > 0, "the messages sent after it did not hold it back");
    drainAll(b, port, seen);
    assert.equal(called, 1);
    assert.equal(seen.length, slotsPerRing + 2 * before);
  });

  it("a cancelled waiter, or one of a port abandoned at close, is never called", () => {
    const { b, port } = pair();
    for (let i = 0; i < slotsPerRing + 10; i++) port.send(7, numbered(i), 4);
    let called = 0;
    port.drain.whenDrained(() => called++).cancel();
    port.drain.whenDrained(() => called++);
    let closed = -1;
    port.close((dropped) => {
      closed = dropped;
    });
    assert.equal(port.abandon(), 10);
    assert.equal(closed, 10);
    receive(b, []);
    port.flush();
    assert.equal(called, 0);
  });
});
