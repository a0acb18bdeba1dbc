// What the URPC benchmark and its worker (workers/urpc-peer.ts) agree on, and the bounded wait for a
// free slot that both sides of a zero-copy exchange use.
import { performance } from "node:perf_hooks";
import type { UrpcChannel } from "../urpc/index.js";
import { benchReplyTimeoutMs, benchSpinsPerClockRead } from "./waits.js";

export interface UrpcPeerData {
  readonly memory: SharedArrayBuffer;
  /**
   * echo: answer each message by writing it straight into a reserved slot; echo-copy: copy it into a
   * buffer and send that; echo-sleep: sleep before each message, then answer as echo-copy; sink:
   * count streamed messages.
   */
  readonly role: "echo" | "echo-copy" | "echo-sleep" | "sink";
  readonly count: number;
}

/** A reserved slot of `channel`'s send ring, waiting (at most benchReplyTimeoutMs) for room. */
export function reserveWaiting(channel: UrpcChannel): number {
  const sender = channel.sender;
  let slot = sender.reserveSlot();
  if (slot >= 0) return slot;
  const deadline = performance.now() + benchReplyTimeoutMs;
  for (;;) {
    for (let i = 0; i < benchSpinsPerClockRead; i++) {
      slot = sender.reserveSlot();
      if (slot >= 0) return slot;
    }
    if (performance.now() > deadline)
      throw new Error(`${channel.name}: the other side made no room within ${benchReplyTimeoutMs} ms`);
  }
}

/**
 * The message types both sides use, as a const enum so that the loops see literals (an imported
 * constant is a module-cell load and a check at every use in Node 20).
 */
export const enum PeerMessage {
  /** A ping of the ping-pongs (8 bytes: a sequence number and a spare word). */
  pingType = 1,
  pingBytes = 8,
  /** Streamed messages; each carries its sequence number (mod 256) in its first byte. */
  streamType = 2,
  /** The sink's answer after a run whose messages all arrived in order. */
  sinkInOrderType = 4,
  /** The sink's answer after a run in which a message arrived out of order (or one was lost). */
  sinkOutOfOrderType = 3,
  /** The message type that ends the worker's loop. */
  stopType = 0xffff,
}
