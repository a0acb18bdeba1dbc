// The receiving end of the flow-control experiment (bench/urpc-flow-control.ts), in a worker thread.
// It drains a bare ring of 64-byte slots in a SharedArrayBuffer, in one of two disciplines:
//
//   cleared  receiver-cleared slots (the textbook URPC of the lecture): a slot's header is 0 when
//            free; the receiver loads it, reads the payload, and stores 0 back, so every message
//            moves the slot's cache line to the receiver and back to the sender
//   ack      epoch bits and an ack line (the channel's discipline): the receiver never writes a
//            slot; the header's epoch bit says the slot is new, and the receiver publishes its
//            consumed count on its own line once every ackEverySlots slots
//
// It says "ready" once loaded; after each run of `count` messages it stores the run number into the done word and notifies.
import { parentPort, workerData } from "node:worker_threads";
import { ackEverySlots, slotsPerRing } from "../../limits.js";
import { type FlowControlPeerData, flowLayout } from "../urpc-flow-control-layout.js";

const { memory, role, count, runs } = workerData as FlowControlPeerData;
const words = new Int32Array(memory);
const slotMask = slotsPerRing - 1;
const lapShift = Math.log2(slotsPerRing);
let readIndex = 0;
let checksum = 0;

function runCleared(): void {
  for (let n = 0; n < count; n++) {
    const header = flowLayout.slotWord(readIndex & slotMask) + flowLayout.headerWordIndex;
    while (Atomics.load(words, header) === 0) {
      /* spin: the sender publishes with one atomic store */
    }
    checksum = (checksum + words[header - flowLayout.headerWordIndex]!) | 0;
    Atomics.store(words, header, 0);
    readIndex = (readIndex + 1) >>> 0;
  }
}

function runAck(): void {
  for (let n = 0; n < count; n++) {
    const header = flowLayout.slotWord(readIndex & slotMask) + flowLayout.headerWordIndex;
    const epoch = ((readIndex >>> lapShift) + 1) & 1;
    while ((Atomics.load(words, header) & 1) !== epoch) {
      /* spin */
    }
    checksum = (checksum + words[header - flowLayout.headerWordIndex]!) | 0;
    readIndex = (readIndex + 1) >>> 0;
    if ((readIndex & (ackEverySlots - 1)) === 0) Atomics.store(words, flowLayout.ackWord, readIndex | 0);
  }
  Atomics.store(words, flowLayout.ackWord, readIndex | 0);
}

parentPort!.postMessage("ready");
for (let run = 1; run <= runs; run++) {
  if (role === "cleared") runCleared();
  else runAck();
  Atomics.store(words, flowLayout.doneWord, run);
  Atomics.notify(words, flowLayout.doneWord);
}
// Keep the checksum observable, so that the payload reads are not optimised away.
Atomics.store(words, flowLayout.checksumWord, checksum);
