// What the sharing benchmark (sharing.ts) and its worker (workers/sharing-worker.ts) agree on.
//
// The control block is one SharedArrayBuffer of Int32 words, each on its own cache line so that the
// handshake never shares a line with the measured data:
//   ready   workers that have started and wait for the start flag;
//   start   0 until the main thread sets it to 1 (and notifies);
//   done    workers that have finished their updates (the URPC server only, in "urpc" mode);
//   failed  1 when a worker gave up (a bounded wait ran out); its message goes by postMessage.

import { cacheLineBytes } from "../limits.js";

/** Int32 words per cache line: the stride between two shared counters, and between control words. */
export const wordsPerLine = cacheLineBytes / Int32Array.BYTES_PER_ELEMENT;
export const controlReady = 0;
export const controlStart = wordsPerLine;
export const controlDone = 2 * wordsPerLine;
export const controlFailed = 3 * wordsPerLine;
/** Bytes of the control block. */
export const controlBytes = 4 * cacheLineBytes;
/** The message type of one update request (its payload is empty: the server knows the lines). */
export const updateType = 1;

export interface SharingWorkerData {
  readonly role: "shared" | "client" | "server";
  readonly control: SharedArrayBuffer;
  /** "shared": the counters, `lines` cache lines of which the first word is updated. */
  readonly data: SharedArrayBuffer | null;
  /** "client": its one channel (side 0); "server": every client's channel (side 1 each). */
  readonly channels: readonly SharedArrayBuffer[];
  readonly lines: number;
  /** Updates this thread makes ("shared", "client") or receives in all ("server"). */
  readonly updates: number;
  /** Longest any wait of the worker may take, in ms. */
  readonly timeoutMs: number;
}
