// A core's timers on the real platform: kept by the core itself and fired from its poll loop, so
// that the loop knows when the next one is due and can sleep on its doorbell exactly until then.
// A binary heap on due time (ties in insertion order); cancelled timers are skipped when reached,
// and swept out all at once when they are more than half the heap or the heap is full, so that
// timers set and cancelled at a high rate (a call timeout per rpc call) never fill it.

import type { TimerHandle } from "../../cpu-driver/core-env.js";
import { timersPerCoreMax } from "../../limits.js";

interface Timer {
  readonly dueMs: number;
  readonly seq: number;
  readonly fire: () => void;
  cancelled: boolean;
}

export class TimerQueue {
  private heap: Timer[] = [];
  private seq = 0;
  /** Cancelled timers still in the heap. */
  private cancelledCount = 0;

  /** Adds a timer due `delayMs` from now (performance.now() time). */
  add(delayMs: number, fire: () => void, nowMs: number = performance.now()): TimerHandle {
    if (this.heap.length >= timersPerCoreMax) this.sweep();
    if (this.heap.length >= timersPerCoreMax) {
      throw new Error(
        `timers: ${timersPerCoreMax} timers already pending on this core (limits.timersPerCoreMax)`,
      );
    }
    const timer: Timer = { dueMs: nowMs + Math.max(0, delayMs), seq: this.seq++, fire, cancelled: false };
    this.heap.push(timer);
    this.up(this.heap.length - 1);
    return {
      cancel: () => {
        if (timer.cancelled) return;
        timer.cancelled = true;
        if (++this.cancelledCount > this.heap.length / 2) this.sweep();
      },
    };
  }

  /** Removes every cancelled timer and rebuilds the heap (ties keep their insertion order). */
  private sweep(): void {
    if (this.cancelledCount === 0) return;
    this.heap = this.heap.filter((timer) => !timer.cancelled);
    this.cancelledCount = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  /** Due time of the earliest pending timer, or +Infinity. */
  nextDueMs(): number {
    while (this.heap.length > 0 && this.heap[0]!.cancelled) {
      this.pop();
      this.cancelledCount--;
    }
    return this.heap[0]?.dueMs ?? Number.POSITIVE_INFINITY;
  }

  /** Fires every timer due at `nowMs`, in due order; returns how many fired. */
  fireDue(nowMs: number): number {
    let fired = 0;
    while (this.heap.length > 0 && this.heap[0]!.dueMs <= nowMs) {
      const timer = this.pop();
      if (timer.cancelled) {
        this.cancelledCount--;
        continue;
      }
      fired++;
      timer.fire();
    }
    return fired;
  }

  get size(): number {
    return this.heap.length;
  }

  private before(a: Timer, b: Timer): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.seq < b.seq);
  }

  private pop(): Timer {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.down(0);
    }
    return top;
  }

  private up(i: number): void {
    const heap = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && this.before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && this.before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}
