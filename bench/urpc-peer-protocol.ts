// What the URPC benchmark and its worker (workers/urpc-peer.ts) agree on.
export interface UrpcPeerData {
  readonly memory: SharedArrayBuffer;
  readonly role: "echo" | "echo-sleep" | "sink";
  readonly count: number;
}

/** The message type that ends the worker's loop. */
export const stopType = 0xffff;
