// One end of a URPC test between two worker threads: it opens its side of the channel it is handed,
// plays one role, and posts a report (counts and the first problem seen) to the test.
//
//   stream-send     sends messages 0..count-1 (message-pattern.ts), mixing trySend, deferred sends
//                   with flushes, zero-copy sends (reserveSlot/commit) of one-slot messages, and
//                   sendBlocking whenever the ring is full
//   stream-receive  receives them, checking each one's sequence number, length and checksum
//   ping / pong     `count` round trips with both sides going straight to sleep (no spinning) before
//                   every message; a sleep that ends by its timeout rather than by a ring is counted:
//                   that is a lost wake-up
//   ping-async / pong-async   the same with Atomics.waitAsync
//   ping-api / pong-api       the same through UrpcChannel.waitForMessage(timeout, spinNs = 0), whose
//                             sleeps come in slices of sleepSliceMs (a lost wake-up there would cost
//                             a slice, not the round trip; the doorbell-level roles catch it)
//
// Every wait is bounded by `timeoutMs`; a worker that runs out of time reports it and stops.
import { parentPort, workerData } from "node:worker_threads";
import { messageBytesMax, slotPayloadBytes } from "../../../src/limits.js";
import { UrpcChannel } from "../../../src/urpc/index.js";
import { checkMessage, fillMessage, messageLength, messageType } from "../message-pattern.js";

export type PeerRole =
  | "stream-send"
  | "stream-receive"
  | "ping"
  | "pong"
  | "ping-async"
  | "pong-async"
  | "ping-api"
  | "pong-api";

export interface PeerData {
  readonly memory: SharedArrayBuffer;
  readonly side: 0 | 1;
  readonly role: PeerRole;
  readonly count: number;
  readonly timeoutMs: number;
}

export interface PeerReport {
  readonly role: PeerRole;
  /** Messages sent or received (round trips for ping and pong). */
  readonly done: number;
  /** Messages that failed their checks. */
  readonly bad: number;
  readonly firstProblem: string | undefined;
  /** Times a send found the ring full (stream-send). */
  readonly fullCount: number;
  /** Sleeps on the doorbell (ping and pong). */
  readonly sleeps: number;
  /** Sleeps that ended by timeout with nothing to do: lost wake-ups. */
  readonly sleepsTimedOut: number;
}

/** Deferred sends between two flushes in stream-send. */
const deferredPerFlush = 8;
/** Doorbell sleeps one wait for a message may take; each ends by a ring or by the timeout. */
const sleepsPerWaitMax = 1_000;

const { memory, side, role, count, timeoutMs } = workerData as PeerData;
const channel = new UrpcChannel(memory, 0, side, `test ${role}`);
const doorbell = channel.receiveDoorbell;
const hasMessage = () => channel.hasMessage();
const buffer = new Uint8Array(messageBytesMax);
const bufferWords = new Int32Array(buffer.buffer);
const scratch = new Uint8Array(messageBytesMax);
let done = 0;
let bad = 0;
let firstProblem: string | undefined;
let fullCount = 0;
let sleeps = 0;

function problem(text: string): void {
  bad++;
  firstProblem ??= text;
}

function streamSend(): void {
  for (let seq = 0; seq < count; seq++) {
    const length = messageLength(seq);
    const type = messageType(seq);
    fillMessage(seq, buffer, length);
    const mode = seq % 4;
    let sent: boolean;
    if (mode === 0) sent = channel.trySend(type, buffer, length);
    else if (mode === 3 && length <= slotPayloadBytes) sent = sendZeroCopy(type, length, seq % 8 === 3);
    else if (mode === 1) {
      sent = channel.trySendDeferred(type, buffer, length);
      if (sent && seq % deferredPerFlush === 0) channel.flush();
    } else {
      channel.flush();
      channel.sendBlocking(type, buffer, length, timeoutMs);
      sent = true;
    }
    if (!sent) {
      fullCount++;
      channel.sendBlocking(type, buffer, length, timeoutMs);
    }
    done++;
  }
  channel.flush();
}

/** Copies the message's words from `buffer` straight into a reserved slot; false on a full ring. */
function sendZeroCopy(type: number, length: number, publish: boolean): boolean {
  const sender = channel.sender;
  const slot = sender.reserveSlot();
  if (slot < 0) return false;
  for (let i = 0, n = (length + 3) >>> 2; i < n; i++) sender.words[slot + i] = bufferWords[i]!;
  sender.commit(slot, type, length, publish);
  return true;
}

function onStreamMessage(type: number, bytes: Uint8Array, length: number): void {
  const text = checkMessage(done, type, bytes, length, scratch);
  if (text !== undefined) problem(text);
  done++;
}

function streamReceive(): void {
  while (done < count) {
    if (channel.poll(onStreamMessage) > 0) continue;
    if (!channel.waitForMessage(timeoutMs)) {
      problem(`stalled after ${done} messages: nothing arrived within ${timeoutMs} ms`);
      return;
    }
  }
}

/** Sleeps until a message waits; false if a sleep timed out with none (a lost wake-up). */
function waitWoken(): boolean {
  for (let i = 0; i < sleepsPerWaitMax; i++) {
    if (channel.hasMessage()) return true;
    const timedOutBefore = doorbell.sleepsTimedOut;
    if (doorbell.sleep(hasMessage, timeoutMs)) sleeps++;
    if (doorbell.sleepsTimedOut !== timedOutBefore && !channel.hasMessage()) return false;
  }
  return channel.hasMessage();
}

async function waitWokenAsync(): Promise<boolean> {
  for (let i = 0; i < sleepsPerWaitMax; i++) {
    if (channel.hasMessage()) return true;
    const timedOutBefore = doorbell.sleepsTimedOut;
    if (await doorbell.sleepAsync(hasMessage, timeoutMs)) sleeps++;
    if (doorbell.sleepsTimedOut !== timedOutBefore && !channel.hasMessage()) return false;
  }
  return channel.hasMessage();
}

let lastType = -1;
let lastLength = 0;
function onPing(type: number, bytes: Uint8Array, length: number): void {
  lastType = type;
  lastLength = length;
  for (let i = 0; i < length; i++) scratch[i] = bytes[i]!;
}

/** One round trip's message: 8 bytes holding the round number twice. */
function roundBytes(round: number): Uint8Array {
  const view = new DataView(buffer.buffer);
  view.setUint32(0, round, true);
  view.setUint32(4, ~round >>> 0, true);
  return buffer;
}

function checkRound(round: number): void {
  const view = new DataView(scratch.buffer);
  if (lastType !== 1 || lastLength !== 8 || view.getUint32(0, true) !== round) {
    problem(`round ${round}: got type ${lastType}, length ${lastLength}, round ${view.getUint32(0, true)}`);
  }
}

function waitThroughChannel(): Promise<boolean> {
  return Promise.resolve(channel.waitForMessage(timeoutMs, 0));
}

async function pingPong(initiator: boolean, mode: "sync" | "async" | "api"): Promise<void> {
  const wait =
    mode === "async"
      ? waitWokenAsync
      : mode === "api"
        ? waitThroughChannel
        : () => Promise.resolve(waitWoken());
  for (let round = 0; round < count; round++) {
    if (initiator) channel.sendBlocking(1, roundBytes(round), 8, timeoutMs);
    if (!(await wait())) {
      problem(`round ${round}: no message within ${timeoutMs} ms (a lost wake-up)`);
      return;
    }
    if (channel.poll(onPing, 1) !== 1) {
      problem(`round ${round}: woken with a message that poll did not deliver`);
      return;
    }
    checkRound(round);
    if (!initiator) channel.sendBlocking(1, roundBytes(round), 8, timeoutMs);
    done++;
  }
}

async function main(): Promise<void> {
  try {
    if (role === "stream-send") streamSend();
    else if (role === "stream-receive") streamReceive();
    else {
      const mode = role.endsWith("-async") ? "async" : role.endsWith("-api") ? "api" : "sync";
      await pingPong(role.startsWith("ping"), mode);
    }
  } catch (error) {
    problem(`threw ${error instanceof Error ? error.message : String(error)}`);
  }
  const report: PeerReport = {
    role,
    done,
    bad,
    firstProblem,
    fullCount,
    sleeps,
    sleepsTimedOut: doorbell.sleepsTimedOut,
  };
  parentPort!.postMessage(report);
}

void main();
