// The receiving end of the bare-ring baseline (bench/bare-ring.ts), run in a worker: consumes slots as
// they are published, checks each message's sequence number, acknowledges every ackEverySlots slots
// and whenever the ring is empty, until the stop word is set.
import { parentPort, workerData } from "node:worker_threads";
import { UrpcGeometry } from "../../limits.js";
import { SlotFormat } from "../../urpc/slot-format.js";
import { BareRingLayout, type BareRingSinkData } from "../bare-ring-layout.js";

const words = new Int32Array((workerData as BareRingSinkData).memory);
parentPort!.postMessage("ready");
let index = 0;
let remaining = 0;
let acked = 0;
let outOfOrder = 0;
for (;;) {
  const base = (index & SlotFormat.slotMask) * SlotFormat.wordsPerSlot;
  if (remaining === 0) {
    const header = Atomics.load(words, base + SlotFormat.headerWordIndex);
    if (
      (header & SlotFormat.epochMask) !==
      (((index >>> UrpcGeometry.slotsPerRingLog2) + 1) & SlotFormat.epochMask)
    ) {
      if (acked !== index) {
        acked = index;
        acknowledge();
      }
      if (Atomics.load(words, BareRingLayout.stopWord) !== 0) break;
      continue;
    }
    remaining = (header >>> SlotFormat.followingShift) & SlotFormat.followingMask;
  } else {
    remaining--;
  }
  if (words[base] !== (index | 0)) outOfOrder++;
  index = (index + 1) >>> 0;
  if ((index - acked) >>> 0 >= UrpcGeometry.ackEverySlots) {
    acked = index;
    acknowledge();
  }
}

/** Publishes the consumed count, after the order check's count, so that whoever sees one sees both. */
function acknowledge(): void {
  if (outOfOrder !== 0) Atomics.store(words, BareRingLayout.outOfOrderWord, outOfOrder);
  Atomics.store(words, BareRingLayout.ackWord, index | 0);
}
