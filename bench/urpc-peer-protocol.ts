// What the URPC benchmark and its worker (workers/urpc-peer.ts) agree on.
export interface UrpcPeerData {
  readonly memory: SharedArrayBuffer;
  readonly role: "echo" | "echo-sleep" | "sink";
  readonly count: number;
}

/** The message type that ends the worker's loop. */
export const stopType = 0xffff;

/** The type of streamed messages; each carries its sequence number (mod 256) in its first byte. */
export const streamType = 2;
/** The sink's answer after a run whose messages all arrived in order. */
export const sinkInOrderType = 1;
/** The sink's answer after a run in which a message arrived out of order (or one was lost). */
export const sinkOutOfOrderType = 3;
