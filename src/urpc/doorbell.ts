// A doorbell: the word a receiver sleeps on, and the analogue of an inter-processor interrupt.
//
// A receiver polls its rings for a bounded time. Then it rings nobody: it sets its doorbell word to
// 1 ("asleep"), checks its rings once more, and only if they are still empty blocks in
// Atomics.wait(word, 1). A sender, after publishing a message with a sequentially consistent store,
// loads the doorbell; only if it reads 1 does it clear the word and call Atomics.notify — the
// sender pays for the "interrupt" only when the receiver sleeps.
//
// Why no wake-up is lost: both sides store then load (Dekker's pattern) with sequentially consistent
// atomics. Either the sender's load sees the 1 (and notifies), or the receiver's re-check sees the
// message (and does not sleep). If the sender clears the word before the receiver reaches
// Atomics.wait, the wait sees 0 instead of 1 and returns at once.
//
// One doorbell serves every channel into a thread: a core sleeps on one word, and every sender to
// that core rings it. It is also rung when credit returns to a sender that waits for it.

import { cacheLineBytes } from "../limits.js";
import { allocateAlignedShared } from "./aligned-memory.js";

/** Longest delay setTimeout accepts (a signed 32-bit count of milliseconds). */
const timerDelayMaxMs = 2 ** 31 - 1;
const ignore = () => {};

export const doorbellAwake = 0;
export const doorbellAsleep = 1;

export class Doorbell {
  readonly words: Int32Array;
  readonly index: number;
  /** Times this doorbell was rung while asleep (the IPI count), counted by the ringer's side. */
  wakeupsSent = 0;
  /** Sleeps on this doorbell that ended by their timeout rather than by a ring (counted by the sleeper). */
  sleepsTimedOut = 0;

  constructor(memory: SharedArrayBuffer, wordIndex: number) {
    this.words = new Int32Array(memory);
    if (!Number.isInteger(wordIndex) || wordIndex < 0 || wordIndex >= this.words.length) {
      throw new RangeError(`Doorbell: word ${wordIndex} is outside a ${memory.byteLength}-byte buffer`);
    }
    this.index = wordIndex;
  }

  /** A doorbell on its own fresh cache line. */
  static create(): Doorbell {
    return new Doorbell(allocateAlignedShared(cacheLineBytes, "doorbell"), 0);
  }

  /** Sender side: wake the owner if it sleeps. Called after the message is published. */
  ring(): void {
    if (Atomics.load(this.words, this.index) !== doorbellAwake) {
      Atomics.store(this.words, this.index, doorbellAwake);
      Atomics.notify(this.words, this.index);
      this.wakeupsSent++;
    }
  }

  /**
   * Receiver side: sleep until rung or `timeoutMs` passes, unless `hasWork()` says there is work
   * after the sleep flag is raised. Returns true if it slept.
   */
  sleep(hasWork: () => boolean, timeoutMs: number): boolean {
    Atomics.store(this.words, this.index, doorbellAsleep);
    if (hasWork()) {
      Atomics.store(this.words, this.index, doorbellAwake);
      return false;
    }
    if (Atomics.wait(this.words, this.index, doorbellAsleep, timeoutMs) === "timed-out")
      this.sleepsTimedOut++;
    Atomics.store(this.words, this.index, doorbellAwake);
    return true;
  }

  /** As `sleep`, without blocking the thread's event loop (Atomics.waitAsync). */
  async sleepAsync(hasWork: () => boolean, timeoutMs: number): Promise<boolean> {
    Atomics.store(this.words, this.index, doorbellAsleep);
    if (hasWork()) {
      Atomics.store(this.words, this.index, doorbellAwake);
      return false;
    }
    const waiting = Atomics.waitAsync(this.words, this.index, doorbellAsleep, timeoutMs);
    // A pending waitAsync does not keep Node's event loop alive: a thread with nothing else to do
    // would exit in the middle of the wait. An interval timer that never fires holds the loop open
    // until the wait ends (a timeout of the wait's own length could fire first and let it go).
    const keepAlive = waiting.async ? setInterval(ignore, timerDelayMaxMs) : undefined;
    const outcome = waiting.async ? await waiting.value : waiting.value;
    clearInterval(keepAlive);
    if (outcome === "timed-out") this.sleepsTimedOut++;
    Atomics.store(this.words, this.index, doorbellAwake);
    return true;
  }
}
