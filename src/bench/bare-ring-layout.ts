// Where the bare ring's parts live in its shared memory (bench/bare-ring.ts and its sink agree on it):
// the slots, then the sink's acknowledgement line, then a control line (stop flag, order check).
// The slots have the channel's format (SlotFormat); their headers carry only the epoch bit and, on a
// batch head, the count of slots that follow.
import { UrpcGeometry } from "../limits.js";
import { SlotFormat } from "../urpc/slot-format.js";

export const enum BareRingLayout {
  /** The sink's consumed count (absolute, wrapping). */
  ackWord = UrpcGeometry.slotsPerRing * SlotFormat.wordsPerSlot,
  /** Set to 1 to end the sink's loop. */
  stopWord = ackWord + SlotFormat.wordsPerSlot,
  /** Messages the sink saw out of order. */
  outOfOrderWord = stopWord + 1,
  bytes = (stopWord + SlotFormat.wordsPerSlot) * 4,
}

export interface BareRingSinkData {
  readonly memory: SharedArrayBuffer;
}
