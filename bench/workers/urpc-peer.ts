// The far end of the URPC benchmarks, run in a worker thread: it opens side 1 of the channel it
// is handed and plays one role until told to stop.
//   echo        poll without sleeping, answer every message with the same bytes (polled ping-pong)
//   echo-sleep  sleep on the doorbell before every message, then answer (the notification path)
//   sink        count `count` streamed messages, checking that each one's first byte is its
//               sequence number (mod 256), then answer once: in order, or not
import { parentPort, workerData } from "node:worker_threads";
import { benchReplyTimeoutMs } from "../../src/limits.js";
import { UrpcChannel } from "../../src/urpc/index.js";
import { sinkInOrderType, sinkOutOfOrderType, stopType, type UrpcPeerData } from "../urpc-peer-protocol.js";

const { memory, role, count } = workerData as UrpcPeerData;
const channel = new UrpcChannel(memory, 0, 1, `bench ${role}`);
const reply = new Uint8Array(64);
let stopped = false;
let received = 0;
let outOfOrder = 0;
let replyLength = 0;
let replyType = 0;

function onMessage(type: number, bytes: Uint8Array, length: number): void {
  if (type === stopType) {
    stopped = true;
    return;
  }
  if (role === "sink") {
    if (bytes[0] !== (received & 0xff)) outOfOrder++;
    received++;
    return;
  }
  received++;
  replyType = type;
  replyLength = length;
  for (let i = 0; i < length && i < reply.length; i++) reply[i] = bytes[i]!;
}

parentPort!.postMessage("ready");
if (role === "echo") {
  while (!stopped) {
    if (channel.poll(onMessage, 1) === 1 && !stopped)
      channel.sendBlocking(replyType, reply, replyLength, benchReplyTimeoutMs);
  }
} else if (role === "echo-sleep") {
  while (!stopped) {
    if (!channel.waitForMessage(benchReplyTimeoutMs, 0)) throw new Error("echo-sleep: no message in time");
    if (channel.poll(onMessage, 1) === 1 && !stopped)
      channel.sendBlocking(replyType, reply, replyLength, benchReplyTimeoutMs);
  }
} else {
  while (!stopped) {
    channel.poll(onMessage);
    if (received === count) {
      channel.sendBlocking(
        outOfOrder === 0 ? sinkInOrderType : sinkOutOfOrderType,
        reply,
        0,
        benchReplyTimeoutMs,
      );
      received = 0;
      outOfOrder = 0;
    }
  }
}
channel.flush();
parentPort!.postMessage("stopped");
