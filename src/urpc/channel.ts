// A URPC channel endpoint: one side of a bidirectional cache-line channel between two threads.
//
// Both endpoints map the same region of a SharedArrayBuffer (channel-layout.ts): side 0 sends on
// ring 0 and receives on ring 1, side 1 the other way round. Hand the buffer and the byte offset
// to the other thread (postMessage, or a frame the monitors agreed on) and open side 1 there.
//
// Waiting is bounded everywhere. `waitForMessage` polls for `pollSpinNs`, then sleeps on this
// side's doorbell in slices of `sleepSliceMs`, until its deadline; `send` waits for credit the same
// way. The async variants never block the thread's event loop (Atomics.waitAsync).
//
// A thread that serves many channels (a core's dispatcher loop) gives each of its channels the same
// receive doorbell, so that it sleeps on one word and any sender wakes it.

import { performance } from "node:perf_hooks";
import { pollSpinNs, sleepSliceMs } from "../limits.js";
import { allocateAlignedShared } from "./aligned-memory.js";
import { ChannelError } from "./channel-error.js";
import { channelBytes, checkChannelRegion, doorbellWord, ringOffsets } from "./channel-layout.js";
import { Doorbell } from "./doorbell.js";
import { type MessageHandler, RingReceiver, RingSender } from "./ring.js";

export interface ChannelOptions {
  /** The doorbell this side sleeps on (default: the one inside the channel region). */
  readonly receiveDoorbell?: Doorbell;
  /** The doorbell the other side sleeps on (default: the one inside the channel region). */
  readonly peerDoorbell?: Doorbell;
}

/** A message's default length: its whole buffer (a non-buffer gets a clear error from the sender). */
function lengthOf(bytes: Uint8Array): number {
  return bytes instanceof Uint8Array ? bytes.length : 0;
}

/** Iterations of a spin loop between two reads of the clock. */
const spinIterationsPerClockRead = 64;

export class UrpcChannel {
  /** Bytes of shared memory one channel needs. */
  static readonly bytes = channelBytes;

  readonly name: string;
  readonly side: 0 | 1;
  readonly sender: RingSender;
  readonly receiver: RingReceiver;
  readonly receiveDoorbell: Doorbell;
  readonly memory: SharedArrayBuffer;
  readonly byteOffset: number;

  constructor(
    memory: SharedArrayBuffer,
    byteOffset: number,
    side: 0 | 1,
    name: string,
    options: ChannelOptions = {},
  ) {
    checkChannelRegion(memory, byteOffset, name);
    if (side !== 0 && side !== 1)
      throw new RangeError(`URPC channel "${name}": side must be 0 or 1, got ${side}`);
    this.name = name;
    this.side = side;
    this.memory = memory;
    this.byteOffset = byteOffset;
    const baseWord = byteOffset / 4;
    const other = side === 0 ? 1 : 0;
    this.receiveDoorbell = options.receiveDoorbell ?? new Doorbell(memory, doorbellWord(baseWord, side));
    const peerDoorbell = options.peerDoorbell ?? new Doorbell(memory, doorbellWord(baseWord, other));
    const direction = side === 0 ? "0->1" : "1->0";
    const back = side === 0 ? "1->0" : "0->1";
    this.sender = new RingSender(`${name} ${direction}`, memory, ringOffsets(baseWord, side), peerDoorbell);
    this.receiver = new RingReceiver(`${name} ${back}`, memory, ringOffsets(baseWord, other), peerDoorbell);
  }

  /** A fresh shared region holding one channel; open side 0 and side 1 on it. */
  static allocate(): SharedArrayBuffer {
    return allocateAlignedShared(channelBytes, "URPC channel");
  }

  /** Both ends of a fresh channel, for use in one thread (tests) or to hand side 1 to another thread. */
  static pair(name: string): [UrpcChannel, UrpcChannel] {
    const memory = UrpcChannel.allocate();
    return [new UrpcChannel(memory, 0, 0, name), new UrpcChannel(memory, 0, 1, name)];
  }

  /** Sends and publishes at once; false when the ring is full (backpressure: nothing was sent). */
  trySend(type: number, bytes: Uint8Array, length?: number): boolean {
    return this.sender.trySend(type, bytes, length ?? lengthOf(bytes));
  }

  /**
   * Writes without publishing; `flush()` publishes the batch. False when the ring lacks room (the
   * open batch is then published, so that the receiver can make room).
   */
  trySendDeferred(type: number, bytes: Uint8Array, length?: number): boolean {
    return this.sender.trySendDeferred(type, bytes, length ?? lengthOf(bytes));
  }

  flush(): void {
    this.sender.flush();
  }

  /** Delivers up to `messagesMax` waiting messages; returns how many. */
  poll(handler: MessageHandler, messagesMax?: number): number {
    return this.receiver.poll(handler, messagesMax);
  }

  hasMessage(): boolean {
    return this.receiver.hasMessage();
  }

  /**
   * Blocks the thread until a message waits or `timeoutMs` passes; returns whether one waits.
   * Polls for `spinNs` first (0: go straight to sleep, which the wake-up benchmark uses).
   */
  waitForMessage(timeoutMs: number, spinNs: number = pollSpinNs): boolean {
    if (this.spinForMessage(spinNs)) return true;
    const deadline = performance.now() + timeoutMs;
    const hasMessage = () => this.receiver.hasMessage();
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return this.receiver.hasMessage();
      this.receiveDoorbell.sleep(hasMessage, Math.min(left, sleepSliceMs));
      if (this.receiver.hasMessage()) return true;
    }
  }

  /** As `waitForMessage`, without blocking the event loop. */
  async waitForMessageAsync(timeoutMs: number, spinNs: number = pollSpinNs): Promise<boolean> {
    if (this.spinForMessage(spinNs)) return true;
    const deadline = performance.now() + timeoutMs;
    const hasMessage = () => this.receiver.hasMessage();
    for (;;) {
      const left = deadline - performance.now();
      if (left <= 0) return this.receiver.hasMessage();
      await this.receiveDoorbell.sleepAsync(hasMessage, Math.min(left, sleepSliceMs));
      if (this.receiver.hasMessage()) return true;
    }
  }

  /**
   * Sends, waiting (blocking the thread) up to `timeoutMs` for credit. Throws a ChannelError if the
   * receiver frees no room in time: never an unbounded spin, never a silent drop.
   */
  sendBlocking(type: number, bytes: Uint8Array, length: number, timeoutMs: number): void {
    if (this.sender.trySend(type, bytes, length)) return;
    const canSend = () => this.sender.canSend(length);
    if (!this.spinUntil(canSend, pollSpinNs)) {
      const deadline = performance.now() + timeoutMs;
      for (let sleepMs = this.creditSleepMs(canSend, deadline, type, timeoutMs); sleepMs > 0; ) {
        this.receiveDoorbell.sleep(canSend, sleepMs);
        sleepMs = this.creditSleepMs(canSend, deadline, type, timeoutMs);
      }
    }
    if (!this.sender.trySend(type, bytes, length)) throw this.noCreditError(type, timeoutMs);
  }

  /** As `sendBlocking`, without blocking the event loop; `bytes` is read before the promise settles. */
  async send(type: number, bytes: Uint8Array, length: number, timeoutMs: number): Promise<void> {
    if (this.sender.trySend(type, bytes, length)) return;
    const canSend = () => this.sender.canSend(length);
    const deadline = performance.now() + timeoutMs;
    for (let sleepMs = this.creditSleepMs(canSend, deadline, type, timeoutMs); sleepMs > 0; ) {
      await this.receiveDoorbell.sleepAsync(canSend, sleepMs);
      sleepMs = this.creditSleepMs(canSend, deadline, type, timeoutMs);
    }
    if (!this.sender.trySend(type, bytes, length)) throw this.noCreditError(type, timeoutMs);
  }

  /**
   * One step of waiting for credit, shared by both sends: 0 once the message fits, else how long
   * to sleep on the doorbell (the receiver rings it with its next ack). The wait flag is raised
   * before the check (no lost wake-up) and lowered when the wait ends; past the deadline, throws.
   */
  private creditSleepMs(canSend: () => boolean, deadline: number, type: number, timeoutMs: number): number {
    this.sender.setWaitingForCredit(true);
    if (canSend()) {
      this.sender.setWaitingForCredit(false);
      return 0;
    }
    const left = deadline - performance.now();
    if (left <= 0) {
      this.sender.setWaitingForCredit(false);
      throw this.noCreditError(type, timeoutMs);
    }
    return Math.min(left, sleepSliceMs);
  }

  private noCreditError(type: number, timeoutMs: number): ChannelError {
    return new ChannelError(
      this.sender.name,
      `no credit for a message of type ${type} within ${timeoutMs} ms: the receiver consumed nothing`,
    );
  }

  /**
   * Polls the receive ring until a message waits or `spinNs` passes. A first round of polls comes
   * before the clock is read at all (a reply in flight arrives within a few hundred nanoseconds,
   * and performance.now() costs tens), with no closure on the way.
   */
  private spinForMessage(spinNs: number): boolean {
    const receiver = this.receiver;
    if (spinNs <= 0) return receiver.hasMessage();
    for (let i = 0; i < spinIterationsPerClockRead; i++) if (receiver.hasMessage()) return true;
    const deadline = performance.now() + spinNs / 1e6;
    for (;;) {
      for (let i = 0; i < spinIterationsPerClockRead; i++) if (receiver.hasMessage()) return true;
      if (performance.now() >= deadline) return receiver.hasMessage();
    }
  }

  /** Spins until `ready()` or `spinNs` passes; returns `ready()`'s last answer. */
  private spinUntil(ready: () => boolean, spinNs: number): boolean {
    if (ready()) return true;
    if (spinNs <= 0) return false;
    const deadline = performance.now() + spinNs / 1e6;
    for (;;) {
      for (let i = 0; i < spinIterationsPerClockRead; i++) if (ready()) return true;
      if (performance.now() >= deadline) return ready();
    }
  }
}
