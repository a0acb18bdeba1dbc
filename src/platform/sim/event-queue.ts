// The simulator's event queue: a binary min-heap ordered by (time, tie-break, sequence number).
//
// Events at the same virtual time are ordered by a tie-break drawn from the seeded generator when
// the event is scheduled, then by the order of scheduling. So one seed always gives one order, and
// different seeds explore different orders of simultaneous events — the interleavings a real
// machine could produce when two messages arrive in the same cycle.

export interface SimEvent {
  timeCycles: number;
  tie: number;
  seq: number;
  kind: number;
  /** What the event concerns (a stream, a core, a timer, a channel), by kind. */
  target: unknown;
}

function before(a: SimEvent, b: SimEvent): boolean {
  if (a.timeCycles !== b.timeCycles) return a.timeCycles < b.timeCycles;
  if (a.tie !== b.tie) return a.tie < b.tie;
  return a.seq < b.seq;
}

export class EventQueue {
  private readonly heap: SimEvent[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(event: SimEvent): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(event, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = event;
  }

  peek(): SimEvent | undefined {
    return this.heap[0];
  }

  pop(): SimEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(heap[r]!, heap[l]!)) c = r;
      const child = heap[c]!;
      if (!before(child, last)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = last;
    return top;
  }
}
