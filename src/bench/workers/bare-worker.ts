// The trivial worker of `bench boot`'s baseline (bench/worker-start.ts): it answers "ready" at once
// and does nothing else, so that its start measures what any worker thread costs to start.
import { parentPort } from "node:worker_threads";

parentPort!.postMessage("ready");
