// The entry of a core's worker thread: it starts pinning the thread to its CPU (a `taskset`
// process, pinning.ts) and only then loads the core's program (core-worker.ts), so that the two
// overlap: loading the program's modules is most of a core's start, and the pin need not wait for it.
import { workerData } from "node:worker_threads";
import { startPinningThisThread } from "./pinning.js";
import type { CoreWorkerData } from "./real-core.js";

startPinningThisThread((workerData as CoreWorkerData).cpu);
await import("./core-worker.js");
