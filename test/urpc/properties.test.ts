// Property-based tests of the URPC ring in one thread (fast-check). A random program interleaves
// sends of random sizes (published at once or deferred, from aligned or unaligned buffers),
// flushes and polls of random depth; the ring must deliver exactly the messages it accepted, in
// order, byte for byte, once each, and refuse a send exactly when it lacks room. A second property
// forges one random header word into a published message: only that message may be lost or
// altered, and every other one still arrives intact and in order.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { messageBytesMax, slotPayloadBytes, slotsPerRing } from "../../src/limits.js";
import { ChannelError, slotsForLength, UrpcChannel } from "../../src/urpc/index.js";
import { epochOf } from "../../src/urpc/slot-format.js";
import { drain, headerWord, patterned, ring0Words } from "./ring-helpers.js";

/** Random programs per property. */
const programRuns = 300;
/** Operations in one random program at most. */
const programOpsMax = 300;
/** Messages in one forged-header case at most (all of them fit the ring at once). */
const forgedMessagesMax = 14;
/** Largest message of a forged-header case (four slots). */
const forgedMessageBytesMax = 4 * slotPayloadBytes;

type Op =
  | { kind: "send"; length: number; offset: number; deferred: boolean }
  | { kind: "flush" }
  | { kind: "poll"; messagesMax: number };

const lengthArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: slotPayloadBytes }) },
  { weight: 3, arbitrary: fc.integer({ min: slotPayloadBytes + 1, max: 6 * slotPayloadBytes }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: messageBytesMax }) },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("send" as const),
      length: lengthArb,
      offset: fc.integer({ min: 0, max: 3 }),
      deferred: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "flush" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("poll" as const),
      messagesMax: fc.integer({ min: 1, max: 70 }),
    }),
  },
);

/** `length` patterned bytes at `offset` into a fresh buffer. */
function payload(seed: number, length: number, offset: number): Uint8Array {
  const backing = new Uint8Array(length + offset);
  backing.set(patterned(seed, length), offset);
  return backing.subarray(offset);
}

test("random programs: FIFO, no loss, no duplication, exact bytes; refused exactly when full", () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: programOpsMax, size: "max" }), (ops) => {
      const [a, b] = UrpcChannel.pair("property");
      const accepted: Uint8Array[] = [];
      let delivered = 0;
      const onMessage = (type: number, bytes: Uint8Array, length: number) => {
        const expected = accepted[delivered];
        assert.ok(expected !== undefined, `delivered message ${delivered} was never accepted`);
        assert.equal(type, delivered & 0xffff);
        assert.deepEqual(bytes.subarray(0, length), expected, `message ${delivered}`);
        delivered++;
      };
      for (const op of ops) {
        if (op.kind === "send") {
          const seq = accepted.length;
          const bytes = payload(seq, op.length, op.offset);
          const free = a.sender.freeSlots();
          const sent = op.deferred ? a.trySendDeferred(seq & 0xffff, bytes) : a.trySend(seq & 0xffff, bytes);
          assert.equal(sent, free >= slotsForLength(op.length), `free ${free}, length ${op.length}`);
          if (sent) accepted.push(bytes.slice());
          if (!op.deferred || !sent) assert.equal(a.sender.hasUnpublished(), false);
        } else if (op.kind === "flush") {
          a.flush();
          assert.equal(a.sender.hasUnpublished(), false);
        } else {
          const before = delivered;
          const count = b.poll(onMessage, op.messagesMax);
          assert.equal(count, delivered - before);
          assert.ok(count <= op.messagesMax);
        }
      }
      a.flush();
      const rest = drain(b);
      assert.deepEqual(rest.errors, []);
      for (const m of rest.messages) onMessage(m.type, m.bytes, m.bytes.length);
      assert.equal(delivered, accepted.length);
      assert.equal(a.sender.freeSlots(), slotsPerRing);
    }),
    { numRuns: programRuns },
  );
});

test("a forged header word loses or alters at most its own message; all others arrive in order", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({ length: fc.integer({ min: 0, max: forgedMessageBytesMax }), deferred: fc.boolean() }),
        { minLength: 1, maxLength: forgedMessagesMax },
      ),
      fc.nat(),
      fc.nat(),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      (messages, pickMessage, pickSlot, word) => {
        const [a, b] = UrpcChannel.pair("forged");
        const firstSlot: number[] = [];
        let slot = 0;
        for (const [i, m] of messages.entries()) {
          firstSlot.push(slot);
          slot += slotsForLength(m.length);
          const bytes = patterned(i, m.length);
          assert.ok(m.deferred ? a.trySendDeferred(i, bytes) : a.trySend(i, bytes));
        }
        a.flush();
        const target = pickMessage % messages.length;
        const forgedSlot = firstSlot[target]! + (pickSlot % slotsForLength(messages[target]!.length));
        // Any header, but published: its epoch is the current one (an old epoch reads as "not yet sent").
        ring0Words(a)[headerWord(forgedSlot)] = (word & ~1) | epochOf(forgedSlot);
        const { messages: got, errors } = drain(b);
        for (const error of errors)
          assert.ok(error instanceof ChannelError && error.channel === "forged 0->1");
        const others = messages.length - 1;
        assert.ok(
          got.length === others || got.length === others + 1,
          `got ${got.length} of ${messages.length}`,
        );
        for (let i = 0; i < target; i++) {
          assert.deepEqual(got[i], { type: i, bytes: patterned(i, messages[i]!.length) }, `message ${i}`);
        }
        const after = got.slice(got.length - (messages.length - target - 1));
        for (const [k, m] of after.entries()) {
          const i = target + 1 + k;
          assert.deepEqual(m, { type: i, bytes: patterned(i, messages[i]!.length) }, `message ${i}`);
        }
      },
    ),
    { numRuns: programRuns * 3 },
  );
});
