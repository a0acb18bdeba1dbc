// Who waits for a port's backlog to empty up to a mark: the bookkeeping behind PortDrain.whenDrained
// (core-env.ts), shared by the platforms' ports.
//
// A port that holds messages back counts, from its start, the messages that have left its wait
// (entered the channel). A waiter asks to be called once that count reaches a mark: the count of
// messages put in the wait so far when it asked, so "every message sent before I asked is out",
// however many are sent after it. Marks only grow (a later waiter's mark is never below an earlier
// one's), so the waiters are a queue in mark order and `passed(left)` calls them from its head,
// oldest first, and stops at the first mark not reached: a port's flush pays one length check when
// nobody waits. A cancelled waiter is skipped when its turn comes.

import type { TimerHandle } from "./core-env.js";

/** One waiter: the mark it waits for and what to call; `onDrained` undefined once cancelled. */
interface DrainWaiter extends TimerHandle {
  readonly mark: number;
  onDrained: (() => void) | undefined;
}

/** The handle of a wait that was over at once. */
const nothingToCancel: TimerHandle = { cancel() {} };

/** The waiters of one port, in mark order (see the file comment). */
export class DrainWaiters {
  private readonly waiters: DrainWaiter[] = [];
  private head = 0;

  /** Whether anyone waits (a port's flush checks this before counting). */
  get size(): number {
    return this.waiters.length - this.head;
  }

  /**
   * PortDrain.whenDrained for the port: calls `onDrained` at once (during this call) when
   * `waitingNow` is 0, else once `passed` reports `mark` messages out.
   */
  wait(waitingNow: number, mark: number, onDrained: () => void): TimerHandle {
    if (waitingNow > 0) return this.add(mark, onDrained);
    onDrained();
    return nothingToCancel;
  }

  /** Calls `onDrained` once `passed` reports `mark` messages out; returns a handle to cancel it. */
  add(mark: number, onDrained: () => void): TimerHandle {
    // Waiters cancelled at the head (timed out, say) go now rather than when their mark passes.
    while (this.head < this.waiters.length && this.waiters[this.head]!.onDrained === undefined) this.head++;
    const last = this.waiters[this.waiters.length - 1];
    if (last !== undefined && this.head < this.waiters.length && last.mark > mark)
      throw new Error(`DrainWaiters: mark ${mark} is below an earlier waiter's ${last.mark}`);
    const waiter: DrainWaiter = {
      mark,
      onDrained,
      cancel() {
        waiter.onDrained = undefined;
      },
    };
    this.waiters.push(waiter);
    return waiter;
  }

  /** `left` messages have left the wait so far: calls, oldest first, every waiter whose mark it reaches. */
  passed(left: number): void {
    const waiters = this.waiters;
    while (this.head < waiters.length && waiters[this.head]!.mark <= left) {
      const waiter = waiters[this.head++]!;
      const onDrained = waiter.onDrained;
      waiter.onDrained = undefined;
      onDrained?.();
    }
    if (this.head === waiters.length) {
      waiters.length = 0;
      this.head = 0;
    }
  }

  /** Forgets every waiter without calling it (the port closed: its client rejects its own waits). */
  clear(): void {
    this.waiters.length = 0;
    this.head = 0;
  }
}
