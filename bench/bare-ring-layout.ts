// Where the bare ring's parts live in its shared memory (bench/bare-ring.ts and its sink agree on it):
// the slots, then the sink's acknowledgement line, then a control line (stop flag, order check).
import { UrpcGeometry } from "../src/limits.js";

export const enum BareRingLayout {
  wordsPerSlot = UrpcGeometry.cacheLineBytes / 4,
  headerWordIndex = wordsPerSlot - 1,
  /** The sink's consumed count (absolute, wrapping). */
  ackWord = UrpcGeometry.slotsPerRing * wordsPerSlot,
  /** Set to 1 to end the sink's loop. */
  stopWord = ackWord + wordsPerSlot,
  /** Messages the sink saw out of order. */
  outOfOrderWord = stopWord + 1,
  bytes = (stopWord + wordsPerSlot) * 4,
}

export interface BareRingSinkData {
  readonly memory: SharedArrayBuffer;
}
