// The bounds on every wait of the benchmarks' own harness: for a worker to start, for a reply, and
// how often a spinning wait reads the clock. A benchmark never waits without end: past one of these
// it fails naming what it waited for.
import { assertLimit } from "../limits.js";

/** Longest wait for one reply in a JavaScript ping-pong (or for room in a ring); longer means the peer is stuck. */
export const benchReplyTimeoutMs = 5_000;
/** Longest wait for a benchmark worker to start and say it is ready. */
export const benchWorkerStartTimeoutMs = 10_000;
/** Iterations of a benchmark's spin (for credit, for an acknowledgement) between two reads of the clock. */
export const benchSpinsPerClockRead = 1024;

assertLimit(
  benchReplyTimeoutMs > 0 && benchWorkerStartTimeoutMs > 0 && benchSpinsPerClockRead >= 1,
  "benchmark waits are bounded and positive",
  "bench/waits.ts",
);
