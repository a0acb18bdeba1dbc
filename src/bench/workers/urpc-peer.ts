// The far end of the URPC benchmarks, run in a worker thread: it opens side 1 of the channel it
// is handed and plays one role until told to stop.
//   echo        poll without sleeping; answer every message, inside its handler, by copying its words
//               from its slot straight into a reserved slot of the other ring (zero-copy ping-pong)
//   echo-copy   poll without sleeping; copy every message into a buffer and send that (sendBlocking)
//   echo-sleep  sleep on the doorbell before every message, then answer as echo-copy (the notification path)
//   sink        count `count` streamed messages, checking that each one's first byte is its
//               sequence number (mod 256), then answer once: in order, or not
// Each role is a function with its state in a small object of its own, so that the loops compile
// as ordinary optimized functions rather than as on-stack replacement of the module's top level.
import { parentPort, workerData } from "node:worker_threads";
import { UrpcChannel } from "../../urpc/index.js";
import { PeerMessage, reserveWaiting, type UrpcPeerData } from "../urpc-peer-protocol.js";
import { benchReplyTimeoutMs } from "../waits.js";

/** What the last message was, and a copy of its bytes to answer with. */
class Echo {
  type = -1;
  length = 0;
  readonly reply = new Uint8Array(64);
  readonly onMessage = (type: number, bytes: Uint8Array, length: number): void => {
    this.type = type;
    this.length = length;
    const reply = this.reply;
    for (let i = 0; i < length && i < reply.length; i++) reply[i] = bytes[i]!;
  };
}

function echoCopy(channel: UrpcChannel, sleep: boolean): void {
  const state = new Echo();
  for (;;) {
    if (sleep && !channel.waitForMessage(benchReplyTimeoutMs, 0))
      throw new Error("echo-sleep: no message in time");
    if (channel.poll(state.onMessage, 1) === 1) {
      if (state.type === PeerMessage.stopType) return;
      channel.sendBlocking(state.type, state.reply, state.length, benchReplyTimeoutMs);
    }
  }
}

/** Answers each message from its own slot into a reserved one, while its slot is still the handler's. */
class ZeroCopyEcho {
  stopped = false;
  constructor(private readonly channel: UrpcChannel) {}
  readonly onMessage = (type: number, bytes: Uint8Array, length: number): void => {
    if (type === PeerMessage.stopType) {
      this.stopped = true;
      return;
    }
    const channel = this.channel;
    const from = channel.receiver.words;
    const to = channel.sender.words;
    const first = bytes.byteOffset >>> 2;
    const slot = reserveWaiting(channel);
    for (let i = 0, n = (length + 3) >>> 2; i < n; i++) to[slot + i] = from[first + i]!;
    channel.sender.commit(slot, type, length, true);
  };
}

function echoZeroCopy(channel: UrpcChannel): void {
  const state = new ZeroCopyEcho(channel);
  while (!state.stopped) channel.poll(state.onMessage, 1);
}

/** How many streamed messages arrived, and how many of them out of order. */
class Sink {
  received = 0;
  outOfOrder = 0;
  stopped = false;
  readonly onMessage = (type: number, bytes: Uint8Array): void => {
    if (type === PeerMessage.stopType) {
      this.stopped = true;
      return;
    }
    if (bytes[0] !== (this.received & 0xff)) this.outOfOrder++;
    this.received++;
  };
}

function sink(channel: UrpcChannel, count: number): void {
  const state = new Sink();
  const verdict = new Uint8Array(4);
  while (!state.stopped) {
    channel.poll(state.onMessage);
    if (state.received === count) {
      const type = state.outOfOrder === 0 ? PeerMessage.sinkInOrderType : PeerMessage.sinkOutOfOrderType;
      channel.sendBlocking(type, verdict, 0, benchReplyTimeoutMs);
      state.received = 0;
      state.outOfOrder = 0;
    }
  }
}

const { memory, role, count } = workerData as UrpcPeerData;
const channel = new UrpcChannel(memory, 0, 1, `bench ${role}`);
parentPort!.postMessage("ready");
if (role === "sink") sink(channel, count);
else if (role === "echo") echoZeroCopy(channel);
else echoCopy(channel, role === "echo-sleep");
channel.flush();
parentPort!.postMessage("stopped");
