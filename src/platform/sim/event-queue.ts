// The simulator's event queue: a binary min-heap ordered by (time, tie-break), stored as arrays.
//
// Events at the same virtual time are ordered by a tie-break key: a 20-bit number drawn from the
// seeded generator when the event is scheduled, times 2^33, plus the event's sequence number. So one
// seed always gives one order, and different seeds explore different orders of simultaneous events
// — the interleavings a real machine could produce when two messages arrive in the same cycle. Two
// events that tie in time and in the drawn number are ordered by sequence, which is how the engine
// keeps the messages of one stream in order: an arrival at the same time as the stream's previous
// one reuses that one's drawn number. The key is exact in a double (20 + 33 bits); a queue refuses
// more than 2^33 events in its life.
//
// For speed the heap holds slot numbers, and each slot's time, key, kind and target live in
// parallel arrays (typed where possible); slots are recycled through a free list.

const sequenceSpan = 2 ** 33;
const tieSpan = 2 ** 20;
const capacityInitial = 1024;

export class EventQueue {
  private heap = new Int32Array(capacityInitial);
  private times = new Float64Array(capacityInitial);
  private keys = new Float64Array(capacityInitial);
  private kinds = new Uint8Array(capacityInitial);
  private targets: unknown[] = new Array(capacityInitial).fill(null);
  private free: number[] = [];
  private slotsUsed = 0;
  private count = 0;
  private seq = 0;

  /** The popped event's fields, valid until the next pop. */
  poppedTimeCycles = 0;
  poppedKind = 0;
  poppedTarget: unknown = null;

  get size(): number {
    return this.count;
  }

  private grow(): void {
    const capacity = this.times.length * 2;
    const heap = new Int32Array(capacity);
    heap.set(this.heap);
    this.heap = heap;
    const times = new Float64Array(capacity);
    times.set(this.times);
    this.times = times;
    const keys = new Float64Array(capacity);
    keys.set(this.keys);
    this.keys = keys;
    const kinds = new Uint8Array(capacity);
    kinds.set(this.kinds);
    this.kinds = kinds;
    for (let i = this.targets.length; i < capacity; i++) this.targets.push(null);
  }

  /** Schedules an event; `tie` is a number in [0, 2^20) from the seeded generator. */
  push(timeCycles: number, tie: number, kind: number, target: unknown): void {
    if (this.seq >= sequenceSpan)
      throw new Error(`EventQueue: more than ${sequenceSpan} events in one simulation`);
    let slot = this.free.pop();
    if (slot === undefined) {
      if (this.slotsUsed === this.times.length) this.grow();
      slot = this.slotsUsed++;
    }
    const key = (tie % tieSpan) * sequenceSpan + this.seq++;
    this.times[slot] = timeCycles;
    this.keys[slot] = key;
    this.kinds[slot] = kind;
    this.targets[slot] = target;
    const heap = this.heap;
    const times = this.times;
    const keys = this.keys;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      const pt = times[p]!;
      if (pt < timeCycles || (pt === timeCycles && keys[p]! <= key)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = slot;
  }

  /** Time of the earliest event, or +Infinity when empty. */
  peekTimeCycles(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : this.times[this.heap[0]!]!;
  }

  /** Removes the earliest event into the popped* fields; false when empty. */
  pop(): boolean {
    if (this.count === 0) return false;
    const heap = this.heap;
    const times = this.times;
    const keys = this.keys;
    const top = heap[0]!;
    this.poppedTimeCycles = times[top]!;
    this.poppedKind = this.kinds[top]!;
    this.poppedTarget = this.targets[top];
    this.targets[top] = null;
    this.free.push(top);
    const n = --this.count;
    if (n > 0) {
      const last = heap[n]!;
      const lt = times[last]!;
      const lk = keys[last]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        let c = l;
        let ct = times[heap[l]!]!;
        const r = l + 1;
        if (r < n) {
          const rt = times[heap[r]!]!;
          if (rt < ct || (rt === ct && keys[heap[r]!]! < keys[heap[l]!]!)) {
            c = r;
            ct = rt;
          }
        }
        if (lt < ct || (lt === ct && lk <= keys[heap[c]!]!)) break;
        heap[i] = heap[c]!;
        i = c;
      }
      heap[i] = last;
    }
    return true;
  }
}
