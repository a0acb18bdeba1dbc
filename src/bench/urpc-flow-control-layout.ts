// What the flow-control experiment (urpc-flow-control.ts) and its worker agree on: the bare ring's
// layout in words, each part on its own cache line, and the worker's data.
import { cacheLineBytes, slotsPerRing } from "../limits.js";

const wordsPerLine = cacheLineBytes / 4;

export const flowLayout = {
  /** Word index of slot `slot`'s first word. */
  slotWord: (slot: number): number => slot * wordsPerLine,
  headerWordIndex: wordsPerLine - 1,
  ackWord: slotsPerRing * wordsPerLine,
  doneWord: (slotsPerRing + 1) * wordsPerLine,
  checksumWord: (slotsPerRing + 2) * wordsPerLine,
  bytes: (slotsPerRing + 3) * cacheLineBytes,
};

export interface FlowControlPeerData {
  readonly memory: SharedArrayBuffer;
  readonly role: "cleared" | "ack";
  /** Messages per run. */
  readonly count: number;
  readonly runs: number;
}
