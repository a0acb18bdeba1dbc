// Helpers of the single-thread URPC tests: drain a receiver into copies of its messages (collecting
// the ChannelErrors it throws on the way), make patterned payloads, and reach into ring 0's slots
// in the shared memory to read or forge a header, as a buggy or hostile sender would.
import assert from "node:assert/strict";
import { slotsPerRing } from "../../src/limits.js";
import { ChannelError, type UrpcChannel } from "../../src/urpc/index.js";
import { headerWordIndex, wordsPerSlot } from "../../src/urpc/slot-format.js";

export interface Received {
  readonly type: number;
  readonly bytes: Uint8Array;
}

/** Polls that drain() makes at most: far more than a ring's worth of messages and errors. */
const drainPollsMax = 64 * slotsPerRing;

/** Polls `receiver` until it is empty; returns copies of the messages and the errors thrown. */
export function drain(receiver: UrpcChannel): { messages: Received[]; errors: ChannelError[] } {
  const messages: Received[] = [];
  const errors: ChannelError[] = [];
  const onMessage = (type: number, bytes: Uint8Array, length: number) => {
    messages.push({ type, bytes: bytes.slice(0, length) });
  };
  for (let i = 0; i < drainPollsMax; i++) {
    try {
      if (receiver.poll(onMessage) === 0 && !receiver.hasMessage()) return { messages, errors };
    } catch (error) {
      assert.ok(error instanceof ChannelError, `poll threw ${String(error)}, not a ChannelError`);
      errors.push(error);
    }
  }
  assert.fail(`drain: receiver "${receiver.name}" still had messages after ${drainPollsMax} polls`);
}

/** `length` bytes that depend on `seed` and on each byte's position. */
export function patterned(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed * 131 + i * 7 + (i >>> 8)) & 0xff;
  return bytes;
}

/** The words of ring 0 (side 0 sends, side 1 receives) in a channel's memory. */
export function ring0Words(channel: UrpcChannel): Int32Array {
  return new Int32Array(channel.memory, channel.byteOffset);
}

/** Word index of the header of ring 0's slot `slot` (an absolute slot index). */
export function headerWord(slot: number): number {
  return (slot % slotsPerRing) * wordsPerSlot + headerWordIndex;
}
