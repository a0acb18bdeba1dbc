// The URPC channel in one thread: fragmentation at every slot boundary, backpressure on a full ring,
// deferred sends and batch publication, wrap-around over many laps (and of the 32-bit slot index),
// both directions at once, and the waits for credit (async send, sendBlocking's timeout).
import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import { messageBytesMax, publishBatchSlotsMax, slotPayloadBytes, slotsPerRing } from "../../src/limits.js";
import { ChannelError, slotsForLength, UrpcChannel } from "../../src/urpc/index.js";
import { headerEpoch, headerFollowing } from "../../src/urpc/slot-format.js";
import { drain, headerWord, patterned, ring0Words } from "./ring-helpers.js";

/** How long a send may wait for credit when the test means it to fail. */
const noCreditTimeoutMs = 50;
/** How long a send may wait for credit when the test drains the ring for it. */
const creditTimeoutMs = 5_000;
/** Laps of the ring in the wrap-around test. */
const wrapLaps = 1_000;

/** Every length at or next to a fragment boundary, from 0 to messageBytesMax. */
function boundaryLengths(): number[] {
  const lengths = new Set<number>([0, 1, messageBytesMax - 1, messageBytesMax]);
  for (let k = 1; k * slotPayloadBytes <= messageBytesMax + 1; k++) {
    for (const length of [k * slotPayloadBytes - 1, k * slotPayloadBytes, k * slotPayloadBytes + 1]) {
      if (length <= messageBytesMax) lengths.add(length);
    }
  }
  return [...lengths].sort((x, y) => x - y);
}

test("fragmentation: every boundary length arrives whole, in the expected number of slots", () => {
  const [a, b] = UrpcChannel.pair("fragments");
  for (const length of boundaryLengths()) {
    for (const offset of [0, 1, 3]) {
      // A copy at `offset` into its buffer: aligned and unaligned sources take different copy paths.
      const backing = new Uint8Array(length + offset);
      const bytes = backing.subarray(offset);
      bytes.set(patterned(length, length));
      assert.equal(a.sender.freeSlots(), slotsPerRing);
      assert.ok(a.trySend(9, bytes, length), `length ${length}`);
      assert.equal(slotsPerRing - a.sender.freeSlots(), Math.max(1, Math.ceil(length / slotPayloadBytes)));
      assert.equal(slotsForLength(length), Math.max(1, Math.ceil(length / slotPayloadBytes)));
      const { messages, errors } = drain(b);
      assert.deepEqual(errors, []);
      assert.equal(messages.length, 1, `length ${length}`);
      assert.equal(messages[0]!.type, 9);
      assert.deepEqual(messages[0]!.bytes, patterned(length, length), `length ${length} offset ${offset}`);
    }
  }
});

test("fragmentation: a message over messageBytesMax is refused at send, and nothing is sent", () => {
  const [a, b] = UrpcChannel.pair("too long");
  const bytes = new Uint8Array(messageBytesMax + 1);
  for (const send of [
    () => a.trySend(1, bytes),
    () => a.trySendDeferred(1, bytes),
    () => a.sendBlocking(1, bytes, bytes.length, creditTimeoutMs),
  ]) {
    assert.throws(send, (error: unknown) => {
      assert.ok(error instanceof ChannelError);
      assert.match(error.message, /"too long 0->1"/);
      assert.match(
        error.message,
        new RegExp(`${messageBytesMax + 1} bytes, over the maximum of ${messageBytesMax}`),
      );
      return true;
    });
  }
  a.flush();
  assert.equal(a.sender.freeSlots(), slotsPerRing);
  assert.deepEqual(drain(b).messages, []);
});

test("backpressure: trySend is false exactly when the ring lacks room for all the slots, and overwrites nothing", () => {
  const [a, b] = UrpcChannel.pair("full");
  const sent: Uint8Array[] = [];
  // Fill the ring with one-slot messages but one.
  for (let i = 0; i < slotsPerRing - 1; i++) {
    const bytes = patterned(i, 1 + (i % slotPayloadBytes));
    assert.ok(a.trySend(i, bytes));
    sent.push(bytes);
  }
  // One slot left: a two-slot message does not fit, a one-slot one does; then nothing fits.
  assert.equal(a.trySend(100, patterned(100, slotPayloadBytes + 1)), false);
  assert.equal(a.trySendDeferred(100, patterned(100, slotPayloadBytes + 1)), false);
  const last = patterned(slotsPerRing - 1, slotPayloadBytes);
  assert.ok(a.trySend(slotsPerRing - 1, last));
  sent.push(last);
  assert.equal(a.trySend(101, new Uint8Array(0)), false);
  assert.equal(a.sender.freeSlots(), 0);
  const { messages, errors } = drain(b);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    messages.map((m) => m.bytes),
    sent,
  );
  assert.deepEqual(
    messages.map((m) => m.type),
    sent.map((_, i) => i),
  );
  // Drained, the receiver has published its count: the whole ring is free again.
  assert.equal(a.sender.freeSlots(), slotsPerRing);
});

test("backpressure: a deferred batch that meets a full ring is published, so the receiver can make room", () => {
  const [a, b] = UrpcChannel.pair("deferred full");
  for (let i = 0; i < slotsPerRing - 2; i++) assert.ok(a.trySend(1, patterned(i, 4)));
  assert.ok(a.trySendDeferred(2, patterned(0, 4)));
  assert.equal(a.trySendDeferred(3, patterned(0, 2 * slotPayloadBytes)), false);
  assert.equal(a.sender.hasUnpublished(), false);
  assert.equal(drain(b).messages.length, slotsPerRing - 1);
});

test("backpressure: the async send waits for credit and resolves once the receiver drains", async () => {
  const [a, b] = UrpcChannel.pair("async credit");
  for (let i = 0; i < slotsPerRing; i++) assert.ok(a.trySend(1, patterned(i, 8)));
  const waiting = patterned(999, 3 * slotPayloadBytes);
  let settled = false;
  const sending = a.send(2, waiting, waiting.length, creditTimeoutMs).then(() => {
    settled = true;
  });
  await nextTurn();
  await nextTurn();
  assert.equal(settled, false, "send resolved while the ring was full");
  assert.equal(drain(b).messages.length, slotsPerRing);
  await sending;
  assert.equal(settled, true);
  const { messages } = drain(b);
  assert.equal(messages.length, 1);
  assert.deepEqual(messages[0]!.bytes, waiting);
});

test("backpressure: sendBlocking and send fail with a clear ChannelError when nobody drains", async () => {
  const [a, b] = UrpcChannel.pair("stuck");
  for (let i = 0; i < slotsPerRing; i++) assert.ok(a.trySend(1, patterned(i, 8)));
  const isNoCredit = (error: unknown) => {
    assert.ok(error instanceof ChannelError);
    assert.match(error.message, /"stuck 0->1"/);
    assert.match(
      error.message,
      new RegExp(`no credit for a message of type 5 within ${noCreditTimeoutMs} ms`),
    );
    return true;
  };
  assert.throws(() => a.sendBlocking(5, new Uint8Array(1), 1, noCreditTimeoutMs), isNoCredit);
  await assert.rejects(a.send(5, new Uint8Array(1), 1, noCreditTimeoutMs), isNoCredit);
  // Nothing was lost or overwritten, and the channel goes on.
  const { messages } = drain(b);
  assert.equal(messages.length, slotsPerRing);
  assert.deepEqual(messages[slotsPerRing - 1]!.bytes, patterned(slotsPerRing - 1, 8));
  a.sendBlocking(6, new Uint8Array([42]), 1, creditTimeoutMs);
  assert.deepEqual(drain(b).messages, [{ type: 6, bytes: new Uint8Array([42]) }]);
});

test("deferred sends: the receiver sees nothing until flush publishes the batch with one store", () => {
  const [a, b] = UrpcChannel.pair("batch");
  const words = ring0Words(a);
  const lengths = [1, 60, 61, 200, 7];
  const slots = lengths.reduce((sum, length) => sum + slotsForLength(length), 0);
  assert.ok(slots < publishBatchSlotsMax);
  for (const [i, length] of lengths.entries()) assert.ok(a.trySendDeferred(i, patterned(i, length)));
  assert.equal(a.sender.hasUnpublished(), true);
  assert.equal(b.hasMessage(), false);
  assert.equal(
    b.poll(() => assert.fail("delivered before flush")),
    0,
  );
  // Every header but the head's is written; the head's (the one atomic store) is not.
  assert.equal(headerEpoch(words[headerWord(0)]!), 0);
  for (let slot = 1; slot < slots; slot++) assert.equal(headerEpoch(words[headerWord(slot)]!), 1);
  a.flush();
  assert.equal(headerFollowing(words[headerWord(0)]!), slots - 1);
  const { messages } = drain(b);
  assert.deepEqual(
    messages.map((m) => m.bytes),
    lengths.map((length, i) => patterned(i, length)),
  );
});

test("deferred sends: a batch that reaches publishBatchSlotsMax slots publishes itself", () => {
  const [a, b] = UrpcChannel.pair("full batch");
  for (let i = 0; i < publishBatchSlotsMax - 1; i++) assert.ok(a.trySendDeferred(i, patterned(i, 4)));
  assert.equal(b.hasMessage(), false);
  assert.ok(a.trySendDeferred(99, patterned(99, 4)));
  assert.equal(a.sender.hasUnpublished(), false);
  assert.equal(drain(b).messages.length, publishBatchSlotsMax);
  a.flush();
  assert.deepEqual(drain(b).messages, []);
});

test(`wrap-around: ${wrapLaps} laps in both directions at once, with every kind of send`, () => {
  const [a, b] = UrpcChannel.pair("laps");
  const expected: [Uint8Array[], Uint8Array[]] = [[], []];
  const got: [Uint8Array[], Uint8Array[]] = [[], []];
  const slotsSent = [0, 0];
  let seq = 0;
  const sides = [a, b] as const;
  while (Math.min(slotsSent[0]!, slotsSent[1]!) < wrapLaps * slotsPerRing) {
    for (const side of [0, 1] as const) {
      const from = sides[side];
      const to = sides[1 - side]!;
      // Send until the ring is full, then drain it.
      for (;;) {
        seq++;
        const length = seq % 13 === 0 ? 1 + (seq % 400) : seq % (slotPayloadBytes + 1);
        const bytes = patterned(seq, length);
        const ok = seq % 2 === 0 ? from.trySend(side, bytes) : from.trySendDeferred(side, bytes);
        if (!ok) break;
        expected[side].push(bytes);
        slotsSent[side]! += slotsForLength(length);
      }
      from.flush();
      for (const m of drain(to).messages) got[side].push(m.bytes);
    }
  }
  for (const side of [0, 1] as const) {
    assert.equal(got[side].length, expected[side].length);
    for (let i = 0; i < got[side].length; i++)
      assert.deepEqual(got[side][i], expected[side][i], `side ${side} #${i}`);
  }
});

test("wrap-around of the 32-bit slot index keeps epochs and order", () => {
  const [a, b] = UrpcChannel.pair("index wrap");
  // Start both ends two laps before 2^32 (an even lap, whose epoch differs from zeroed memory's).
  const start = 2 ** 32 - 2 * slotsPerRing;
  const sender = a.sender as unknown as { writeIndex: number; batchStart: number; ackedCached: number };
  const receiver = b.receiver as unknown as { readIndex: number; ackPublished: number };
  sender.writeIndex = sender.batchStart = sender.ackedCached = start;
  receiver.readIndex = receiver.ackPublished = start;
  ring0Words(a)[slotsPerRing * 16] = start | 0; // the ack line's count
  const expected: Uint8Array[] = [];
  const got: Uint8Array[] = [];
  for (let i = 0; i < 8 * slotsPerRing; i++) {
    const bytes = patterned(i, i % 97);
    if (!a.trySend(1, bytes)) {
      for (const m of drain(b).messages) got.push(m.bytes);
      assert.ok(a.trySend(1, bytes));
    }
    expected.push(bytes);
  }
  for (const m of drain(b).messages) got.push(m.bytes);
  assert.deepEqual(got, expected);
  assert.ok(sender.writeIndex < start, "the index wrapped");
});

test("a handler's exception leaves its message consumed and the next one deliverable", () => {
  const [a, b] = UrpcChannel.pair("handler");
  assert.ok(a.trySend(1, patterned(1, 10)));
  assert.ok(a.trySend(2, patterned(2, 100)));
  assert.ok(a.trySend(3, patterned(3, 10)));
  assert.throws(
    () =>
      b.poll(() => {
        throw new Error("handler failed");
      }, 1),
    /handler failed/,
  );
  assert.throws(
    () =>
      b.poll(() => {
        throw new Error("handler failed again");
      }, 1),
    /handler failed again/,
  );
  assert.deepEqual(drain(b).messages, [{ type: 3, bytes: patterned(3, 10) }]);
});
