// A benchmark peer that echoes every message straight back: the far end of the postMessage and
// MessageChannel ping-pongs (bench/post-message.ts).
//
// With no port in workerData it echoes on parentPort (worker postMessage); given a MessagePort in
// workerData.port it echoes on that port instead (MessageChannel). Either way it first posts
// "ready" on the channel it echoes on, so that the main thread starts timing only once the worker
// is listening. It holds no timers and exits when the main thread closes the port or terminates it.
import { type MessagePort, parentPort, workerData } from "node:worker_threads";

const data = workerData as { port?: MessagePort } | undefined;
const channel = data?.port ?? parentPort;
if (channel === null) throw new Error("echo-worker: must run as a worker thread");

channel.on("message", (message: unknown) => {
  channel.postMessage(message);
});
channel.postMessage("ready");
