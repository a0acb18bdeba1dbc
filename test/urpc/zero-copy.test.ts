// Zero-copy sends (RingSender.reserveSlot / commit) and the aligned shared memory channels live in:
// messages written straight into their slots arrive whole and in order, mixed with copied sends and
// across wrap-around; a full ring reserves nothing; one-slot messages sent from a word buffer at an
// offset (a port's backlog) arrive whole, and a full ring takes none; every misuse of commit is refused with a
// ChannelError that names it, and sends nothing; aligned allocations are whole WebAssembly pages and
// refuse bad sizes.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  alignedSharedBytesMax,
  messageTypesMax,
  publishBatchSlotsMax,
  slotPayloadBytes,
  slotsPerRing,
  wasmPageBytes,
} from "../../src/limits.js";
import { allocateAlignedShared, ChannelError, UrpcChannel } from "../../src/urpc/index.js";
import { drain, patterned } from "./ring-helpers.js";

/** Laps of the ring in the wrap-around test. */
const laps = 50;

/** Writes `bytes` (a multiple of 4 long, at most one slot) into the slot at word `slot`. */
function writeWords(channel: UrpcChannel, slot: number, bytes: Uint8Array): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i * 4 < bytes.length; i++) channel.sender.words[slot + i] = view.getInt32(i * 4, true);
}

test("zero-copy: reserved and committed slots arrive whole, in order, published at once or in a batch", () => {
  const [a, b] = UrpcChannel.pair("zero-copy");
  for (const publish of [true, false]) {
    const expected: Uint8Array[] = [];
    for (let i = 0; i < slotsPerRing / 2; i++) {
      const length = (i % (slotPayloadBytes / 4 + 1)) * 4;
      const bytes = patterned(i, length);
      const slot = a.sender.reserveSlot();
      assert.ok(slot >= 0, "an empty ring has room");
      writeWords(a, slot, bytes);
      a.sender.commit(slot, 100 + i, length, publish);
      expected.push(bytes);
    }
    if (!publish) {
      // Deferred commits are published by a full batch or by flush: never lost, never early.
      a.flush();
    }
    const { messages, errors } = drain(b);
    assert.deepEqual(errors, []);
    assert.deepEqual(
      messages.map((m) => m.type),
      expected.map((_, i) => 100 + i),
    );
    assert.deepEqual(
      messages.map((m) => m.bytes),
      expected,
    );
  }
});

test("zero-copy: a deferred commit is invisible until its batch is published", () => {
  const [a, b] = UrpcChannel.pair("deferred zero-copy");
  for (let i = 0; i < publishBatchSlotsMax - 1; i++) {
    const slot = a.sender.reserveSlot();
    a.sender.words[slot] = i;
    a.sender.commit(slot, 1, 4, false);
  }
  assert.equal(b.hasMessage(), false, "an open batch is not visible");
  const slot = a.sender.reserveSlot();
  a.sender.commit(slot, 1, 0, false);
  assert.equal(b.hasMessage(), true, "a full batch publishes itself");
  assert.equal(drain(b).messages.length, publishBatchSlotsMax);
});

test("zero-copy: mixed with copied sends over many laps of the ring, order is kept", () => {
  const [a, b] = UrpcChannel.pair("mixed");
  let sent = 0;
  let received = 0;
  const onMessage = (type: number, bytes: Uint8Array, length: number) => {
    assert.equal(type, received & 0xffff);
    assert.equal(length, 8);
    assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getInt32(0, true), received);
    received++;
  };
  const copy = new Uint8Array(8);
  const copyView = new DataView(copy.buffer);
  while (sent < laps * slotsPerRing) {
    // Fill the ring to the brim, alternating the two ways of sending, then drain it.
    for (;;) {
      if (sent % 3 === 0) {
        copyView.setInt32(0, sent, true);
        if (!a.trySend(sent & 0xffff, copy, 8)) break;
      } else {
        const slot = a.sender.reserveSlot();
        if (slot < 0) break;
        a.sender.words[slot] = sent;
        a.sender.commit(slot, sent & 0xffff, 8, sent % 2 === 0);
      }
      sent++;
    }
    assert.equal(a.sender.freeSlots(), 0, "the ring was filled");
    while (b.poll(onMessage) > 0) {
      /* drain */
    }
  }
  assert.equal(received, sent);
});

test("zero-copy: a full ring reserves nothing, and a commit then is refused", () => {
  const [a, b] = UrpcChannel.pair("full");
  for (let i = 0; i < slotsPerRing; i++) a.sender.commit(a.sender.reserveSlot(), 1, 0, false);
  assert.equal(a.sender.reserveSlot(), -1);
  // reserveSlot published the open batch, so that the receiver can make room.
  assert.equal(b.hasMessage(), true);
  assert.throws(
    () => a.sender.commit(-1, 1, 0, true),
    (error: unknown) => error instanceof ChannelError && /the ring is full/.test(error.message),
  );
  assert.equal(drain(b).messages.length, slotsPerRing, "nothing more was sent");
  assert.ok(a.sender.reserveSlot() >= 0, "drained, the ring has room again");
});

test("zero-copy: misuse of commit is refused with a ChannelError naming it, and sends nothing", () => {
  const [a, b] = UrpcChannel.pair("misuse");
  const slot = a.sender.reserveSlot();
  assert.equal(a.sender.reserveSlot(), slot, "reserving again returns the same slot");
  const refusals: Array<[() => void, RegExp]> = [
    [() => a.sender.commit(slot + 16, 1, 4, true), /is not the reserved slot/],
    [() => a.sender.commit(slot, -1, 4, true), /type -1 is not an integer/],
    [() => a.sender.commit(slot, messageTypesMax, 4, true), /type 65536 is not an integer/],
    [() => a.sender.commit(slot, 1.5, 4, true), /type 1.5 is not an integer/],
    [() => a.sender.commit(slot, 1, slotPayloadBytes + 1, true), /length 61 is not an integer in \[0, 60\]/],
    [() => a.sender.commit(slot, 1, -4, true), /length -4/],
    [() => a.sender.commit(slot, 1, 2.5, true), /length 2.5/],
  ];
  for (const [commit, message] of refusals) {
    assert.throws(commit, (error: unknown) => {
      assert.ok(error instanceof ChannelError);
      assert.match(error.message, /commit\(\) of a message of type .* refused/);
      assert.match(error.message, message);
      return true;
    });
  }
  assert.equal(b.hasMessage(), false, "no refused commit sent anything");
  // A message sent between the reservation and the commit takes the slot: the commit is refused.
  assert.ok(a.trySend(7, new Uint8Array(4)));
  assert.throws(
    () => a.sender.commit(slot, 1, 4, true),
    (error: unknown) => error instanceof ChannelError && /not the reserved slot/.test(error.message),
  );
  const { messages } = drain(b);
  assert.deepEqual(
    messages.map((m) => m.type),
    [7],
  );
});

test("aligned shared memory: whole WebAssembly pages, transferable like any SharedArrayBuffer", () => {
  for (const bytes of [1, UrpcChannel.bytes, wasmPageBytes, wasmPageBytes + 1]) {
    const memory = allocateAlignedShared(bytes, "test");
    assert.ok(memory instanceof SharedArrayBuffer);
    assert.equal(memory.byteLength, Math.ceil(bytes / wasmPageBytes) * wasmPageBytes);
    assert.ok(
      new Int32Array(memory).every((word) => word === 0),
      "fresh memory is zeroed",
    );
  }
  const memory = UrpcChannel.allocate();
  assert.ok(memory.byteLength >= UrpcChannel.bytes);
  assert.ok(structuredClone(memory) instanceof SharedArrayBuffer);
});

test("aligned shared memory: a bad size is refused with a RangeError naming it and its purpose", () => {
  for (const bytes of [0, -1, 1.5, Number.NaN, alignedSharedBytesMax + 1]) {
    assert.throws(
      () => allocateAlignedShared(bytes, "the test's region"),
      (error: unknown) =>
        error instanceof RangeError &&
        error.message.includes("the test's region") &&
        error.message.includes(String(bytes)),
    );
  }
});

test("sends from words: one-slot messages copied from a word buffer arrive whole; a full ring takes none", () => {
  const [a, b] = UrpcChannel.pair("from-words");
  // A slab of one-slot payloads, each at a word offset, as a port's backlog keeps them.
  const strideWords = (slotPayloadBytes + 4) / 4;
  const slab = new Int32Array(strideWords * (slotsPerRing + 1));
  const slabBytes = new Uint8Array(slab.buffer);
  const expected: Uint8Array[] = [];
  for (let i = 0; i <= slotsPerRing; i++) {
    const length = i % 2 === 0 ? slotPayloadBytes : (i % (slotPayloadBytes / 4)) * 4 + 3;
    const bytes = patterned(i, length);
    slabBytes.set(bytes, i * strideWords * 4);
    expected.push(bytes);
  }
  for (let i = 0; i < slotsPerRing; i++)
    assert.ok(a.sender.trySendDeferredWords(7, slab, i * strideWords, expected[i]!.length), `message ${i}`);
  assert.equal(
    a.sender.trySendDeferredWords(7, slab, slotsPerRing * strideWords, expected[slotsPerRing]!.length),
    false,
    "a full ring took one more",
  );
  // Refused, it published the open batch, so that the receiver can make room.
  const first = drain(b);
  assert.deepEqual(first.errors, []);
  assert.deepEqual(
    first.messages.map((m) => m.bytes),
    expected.slice(0, slotsPerRing),
  );
  assert.ok(
    a.sender.trySendDeferredWords(7, slab, slotsPerRing * strideWords, expected[slotsPerRing]!.length),
  );
  a.sender.flush();
  assert.deepEqual(
    drain(b).messages.map((m) => m.bytes),
    [expected[slotsPerRing]],
  );
});

test("sends from a buffer that grows between sends carry the bytes written after it grew", () => {
  const [a, b] = UrpcChannel.pair("growing");
  // A resizable ArrayBuffer (ES2024, in Node 20; the project's TypeScript lib predates its types).
  type Resizable = ArrayBuffer & { resize(byteLength: number): void };
  const ResizableBuffer = ArrayBuffer as unknown as new (
    byteLength: number,
    options: { maxByteLength: number },
  ) => Resizable;
  const buffer = new ResizableBuffer(64, { maxByteLength: 1024 });
  assert.ok(a.sender.trySend(1, new Uint8Array(buffer, 0, 8), 8));
  buffer.resize(256);
  const later = new Uint8Array(buffer, 64, 16).fill(0xab);
  assert.ok(a.sender.trySend(2, later, 16));
  const { messages, errors } = drain(b);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    messages.map((m) => [m.type, [...m.bytes]]),
    [
      [1, Array(8).fill(0)],
      [2, Array(16).fill(0xab)],
    ],
  );
});
