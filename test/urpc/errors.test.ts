// Bad input to the URPC channel: arguments out of range at send, and malformed frames forged into
// the shared memory as a buggy or hostile sender would write them. Each must fail with a
// ChannelError that names the channel, and the valid messages around it must still be delivered.
import assert from "node:assert/strict";
import { test } from "node:test";
import { messageBytesMax, messageTypesMax, slotPayloadBytes, slotsPerRing } from "../../src/limits.js";
import { ChannelError, UrpcChannel } from "../../src/urpc/index.js";
import { makeHeader, wordsPerSlot } from "../../src/urpc/slot-format.js";
import { drain, headerWord, patterned, ring0Words } from "./ring-helpers.js";

/** How long a send may wait for credit (the ring is never full here). */
const sendTimeoutMs = 1_000;

const lengthBits = 0x3f << 8;
const followingBits = 0x1f << 1;
const firstBit = 1 << 6;

test("bad arguments at send: a clear ChannelError naming the channel, and nothing sent", async () => {
  const [a, b] = UrpcChannel.pair("bad args");
  const bytes = new Uint8Array(16);
  const cases: [string, number, unknown, number | undefined, RegExp][] = [
    ["negative type", -1, bytes, 4, /message type -1 is not an integer/],
    ["fractional type", 1.5, bytes, 4, /message type 1.5 is not an integer/],
    ["type too large", messageTypesMax, bytes, 4, /message type 65536 is not an integer in \[0, 65536\)/],
    ["NaN type", Number.NaN, bytes, 4, /message type NaN/],
    ["string type", "1" as unknown as number, bytes, 4, /message type 1 is not an integer/],
    ["negative length", 1, bytes, -1, /length -1 is not within its 16-byte buffer/],
    ["fractional length", 1, bytes, 2.5, /length 2.5 is not within/],
    ["length past the buffer", 1, bytes, 17, /length 17 is not within its 16-byte buffer/],
    ["NaN length", 1, bytes, Number.NaN, /length NaN/],
    ["null bytes", 1, null, undefined, /bytes must be a Uint8Array/],
    ["array bytes", 1, [1, 2, 3], 3, /bytes must be a Uint8Array/],
    ["string bytes", 1, "abc", 3, /bytes must be a Uint8Array/],
    ["too long", 1, new Uint8Array(messageBytesMax + 1), undefined, /over the maximum of 2048/],
  ];
  for (const [what, type, payload, length, pattern] of cases) {
    const check = (error: unknown) => {
      assert.ok(error instanceof ChannelError, `${what}: ${String(error)}`);
      assert.match(error.message, /^URPC channel "bad args 0->1": message (of )?type /, what);
      assert.match(error.message, pattern, what);
      assert.equal(error.channel, "bad args 0->1");
      return true;
    };
    const data = payload as Uint8Array;
    const fullLength = length ?? (payload instanceof Uint8Array ? payload.length : 0);
    assert.throws(() => a.trySend(type, data, length), check);
    assert.throws(() => a.trySendDeferred(type, data, length), check);
    assert.throws(() => a.sendBlocking(type, data, fullLength, sendTimeoutMs), check);
    await assert.rejects(a.send(type, data, fullLength, sendTimeoutMs), check);
  }
  a.flush();
  assert.equal(a.sender.freeSlots(), slotsPerRing);
  assert.deepEqual(drain(b), { messages: [], errors: [] });
  assert.ok(a.trySend(3, patterned(3, 70)));
  assert.deepEqual(drain(b).messages, [{ type: 3, bytes: patterned(3, 70) }]);
});

/** Message A, then B (its slots forged by `corrupt`), then C; returns what the receiver got. */
function forge(
  name: string,
  lengthB: number,
  corrupt: (words: Int32Array, firstSlotOfB: number) => void,
): { types: number[]; errors: ChannelError[]; messages: { type: number; bytes: Uint8Array }[] } {
  const [a, b] = UrpcChannel.pair(name);
  assert.ok(a.trySend(1, patterned(1, 5)));
  assert.ok(a.trySend(2, patterned(2, lengthB)));
  assert.ok(a.trySend(3, patterned(3, 90)));
  corrupt(ring0Words(a), 1);
  const { messages, errors } = drain(b);
  for (const error of errors) {
    assert.match(error.message, new RegExp(`^URPC channel "${name} 0->1": malformed `));
    assert.equal(error.channel, `${name} 0->1`);
  }
  assert.equal(b.receiver.malformedFrames, errors.length);
  // The channel goes on after the bad frame: a full lap more of messages arrive intact.
  for (let i = 0; i < 2 * slotsPerRing; i++) {
    assert.ok(a.trySend(4, patterned(i, i % 130)));
    const after = drain(b);
    assert.deepEqual(after.errors, []);
    assert.deepEqual(after.messages, [{ type: 4, bytes: patterned(i, i % 130) }]);
  }
  return { types: messages.map((m) => m.type), errors, messages };
}

function assertAandC(result: ReturnType<typeof forge>, problem: RegExp): void {
  assert.deepEqual(result.types, [1, 3]);
  assert.deepEqual(result.messages[0]!.bytes, patterned(1, 5));
  assert.deepEqual(result.messages[1]!.bytes, patterned(3, 90));
  assert.equal(result.errors.length, 1, result.errors.map((e) => e.message).join("\n"));
  assert.match(result.errors[0]!.message, problem);
}

test("malformed frame: a slot length over 60 bytes", () => {
  for (const lengthB of [10, 150]) {
    const result = forge("length", lengthB, (words, slot) => {
      words[headerWord(slot)] = (words[headerWord(slot)]! & ~lengthBits) | (61 << 8);
    });
    assertAandC(
      result,
      /malformed frame at slot 1: slot length 61 is over 60 bytes; header 0x[0-9a-f]{8} \(/,
    );
  }
});

test("malformed frame: a continuation fragment with no first fragment", () => {
  const result = forge("orphan", 150, (words, slot) => {
    words[headerWord(slot)] = words[headerWord(slot)]! & ~firstBit;
  });
  assertAandC(result, /a continuation fragment arrived with no message begun/);
});

test("malformed frame: a new first fragment in the middle of a message drops that message, not the new one", () => {
  const result = forge("cut short", 150, (words, slot) => {
    // B's third slot becomes a whole one-slot message of type 77.
    const third = slot + 2;
    const base = (third % slotsPerRing) * wordsPerSlot;
    words[base] = 0x04030201;
    words[base + 1] = 0x05;
    words[headerWord(third)] = makeHeader(third, 77, true, true, 5);
  });
  assert.deepEqual(result.types, [1, 77, 3]);
  assert.deepEqual(result.messages[1]!.bytes, new Uint8Array([1, 2, 3, 4, 5]));
  assert.equal(result.errors.length, 1);
  assert.match(result.errors[0]!.message, /slot 3: a new message began before the last one \(type 2\) ended/);
});

test("malformed frame: the type changes between fragments", () => {
  const result = forge("retyped", 100, (words, slot) => {
    words[headerWord(slot + 1)] = (words[headerWord(slot + 1)]! & 0xffff) | (99 << 16);
  });
  assertAandC(result, /fragment type 99 differs from its message's type 2/);
});

test("malformed frame: a non-final fragment shorter than a slot", () => {
  const result = forge("short", 100, (words, slot) => {
    words[headerWord(slot)] = (words[headerWord(slot)]! & ~lengthBits) | (30 << 8);
  });
  assertAandC(result, /a non-final fragment holds 30 bytes, not 60/);
});

test("malformed frame: fragments that add up to more than messageBytesMax", () => {
  const slots = Math.ceil(messageBytesMax / slotPayloadBytes);
  const result = forge("too long", messageBytesMax, (words, slot) => {
    const last = slot + slots - 1;
    words[headerWord(last)] = (words[headerWord(last)]! & ~lengthBits) | (slotPayloadBytes << 8);
  });
  assertAandC(result, /reassembled message exceeds 2048 bytes/);
});

test("malformed batch: a head that promises more slots than were written", () => {
  const [a, b] = UrpcChannel.pair("batch lie");
  assert.ok(a.trySendDeferred(1, patterned(1, 5)));
  assert.ok(a.trySendDeferred(2, patterned(2, 100)));
  a.flush();
  const words = ring0Words(a);
  words[headerWord(0)] = (words[headerWord(0)]! & ~followingBits) | (6 << 1);
  const first = drain(b);
  assert.deepEqual(
    first.messages.map((m) => m.type),
    [1, 2],
  );
  assert.equal(first.errors.length, 1);
  assert.match(
    first.errors[0]!.message,
    /^URPC channel "batch lie 0->1": malformed batch at slot 3: its head promised more slots than were written/,
  );
  // The slot the head lied about is not consumed: the sender's next message there arrives.
  assert.ok(a.trySend(3, patterned(3, 90)));
  assert.deepEqual(drain(b), { messages: [{ type: 3, bytes: patterned(3, 90) }], errors: [] });
});
