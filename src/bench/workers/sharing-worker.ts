// One thread of the sharing benchmark (bench/sharing.ts), in one of three roles:
//   shared  waits for the start flag, then makes `updates` updates, each an Atomics.add on the first
//           word of each of the `lines` shared cache lines, and counts itself done;
//   client  waits for the start flag, then sends `updates` update requests to the server on its URPC
//           channel (the channel's flow control holds it back when the ring is full);
//   server  waits for the start flag, then polls every client's channel, applying each request to
//           its private lines, until it has applied `updates` in all; then counts itself done.
// Every wait is bounded by `timeoutMs`; a worker that runs out sets the failed flag and throws.

import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";
import { UrpcChannel } from "../../urpc/index.js";
import {
  controlDone,
  controlFailed,
  controlReady,
  controlStart,
  type SharingWorkerData,
  updateType,
  wordsPerLine,
} from "../sharing-protocol.js";

const {
  role,
  control: controlBuffer,
  data,
  channels,
  lines,
  updates,
  timeoutMs,
} = workerData as SharingWorkerData;
const control = new Int32Array(controlBuffer);
const deadline = performance.now() + timeoutMs;
/** Loop iterations between two reads of the clock while the server polls. */
const pollsPerDeadlineCheck = 1024;

function giveUp(message: string): never {
  Atomics.store(control, controlFailed, 1);
  Atomics.notify(control, controlDone);
  throw new Error(`sharing ${role}: ${message}`);
}

function waitForStart(): void {
  Atomics.add(control, controlReady, 1);
  Atomics.notify(control, controlReady);
  while (Atomics.load(control, controlStart) === 0) {
    const left = deadline - performance.now();
    if (left <= 0) giveUp(`no start within ${timeoutMs} ms`);
    Atomics.wait(control, controlStart, 0, left);
  }
}

function runShared(): void {
  const counters = new Int32Array(data!);
  waitForStart();
  for (let i = 0; i < updates; i++) {
    for (let line = 0; line < lines; line++) Atomics.add(counters, line * wordsPerLine, 1);
  }
  Atomics.add(control, controlDone, 1);
  Atomics.notify(control, controlDone);
}

function runClient(): void {
  const channel = new UrpcChannel(channels[0]!, 0, 0, "sharing client");
  const request = new Uint8Array(4);
  waitForStart();
  for (let i = 0; i < updates; i++) {
    const left = deadline - performance.now();
    if (left <= 0) giveUp(`sent ${i} of ${updates} updates within ${timeoutMs} ms`);
    // Deferred publication (one store per batch), as the URPC streaming benchmark sends; when the
    // ring is full, publish the batch and spin on the server's credit (bounded by the deadline).
    if (!channel.trySendDeferred(updateType, request, 0)) {
      channel.flush();
      for (let spins = 1; !channel.trySendDeferred(updateType, request, 0); spins++) {
        if (spins % pollsPerDeadlineCheck === 0 && performance.now() > deadline) {
          giveUp(`sent ${i} of ${updates} updates within ${timeoutMs} ms (the server took no more)`);
        }
      }
    }
  }
  channel.flush();
}

function runServer(): void {
  const ends = channels.map((memory, i) => new UrpcChannel(memory, 0, 1, `sharing server <- client ${i}`));
  const counters = new Int32Array(lines * wordsPerLine);
  let applied = 0;
  const apply = (type: number): void => {
    if (type !== updateType) giveUp(`unexpected message type ${type}`);
    for (let line = 0; line < lines; line++) counters[line * wordsPerLine]!++;
    applied++;
  };
  waitForStart();
  let polls = 0;
  while (applied < updates) {
    for (const end of ends) end.poll(apply);
    if (++polls % pollsPerDeadlineCheck === 0 && performance.now() > deadline) {
      giveUp(`applied ${applied} of ${updates} updates within ${timeoutMs} ms`);
    }
  }
  if (counters[0] !== updates) giveUp(`counted ${counters[0]} updates, expected ${updates}`);
  Atomics.add(control, controlDone, 1);
  Atomics.notify(control, controlDone);
}

if (role === "shared") runShared();
else if (role === "client") runClient();
else runServer();
parentPort?.postMessage("finished");
