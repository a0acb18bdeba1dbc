// The barriers of the kv-bench domain (bench/domains/kv-bench.ts), kept by the first core's shard:
// a call to a phase is answered once every client has called it.
//
// A core's dispatcher closes as soon as its main fails, and calls into a closed shard are never
// answered, so a client that fails must not leave while others may still call its shard. The
// protocol is therefore: a client that fails says so (`Failed`, answered at once), then arrives at
// `Done` like everyone else; `Done` waits for every client whatever happened, so no core closes its
// shard before every client has stopped calling. Once a failure is known, `Timed` is refused (its
// waiters at once, later callers as they come), so that clients stop before their timed phase and
// go straight to `Done`.

export const enum KvBarrierPhase {
  /** Every client has filled and warmed up: the timed phases start together. */
  Timed = 1,
  /** Every client has stopped calling: bindings and shards may close. */
  Done = 2,
  /** Not a meeting: the caller failed; answered at once. */
  Failed = 3,
}

interface Waiter {
  readonly resolve: (arrived: [number]) => void;
  readonly reject: (error: Error) => void;
}

export class KvBarriers {
  private readonly waiting = new Map<KvBarrierPhase, Waiter[]>();
  private failures = 0;

  constructor(private readonly parties: number) {
    if (!Number.isInteger(parties) || parties < 1)
      throw new RangeError(`kv barriers: ${parties} parties is not a positive integer`);
  }

  /** The caller's arrival at `phase`; resolves with the number of arrivals once all have come. */
  arrive(phase: number): Promise<[number]> {
    if (phase === KvBarrierPhase.Failed) {
      this.failures++;
      for (const waiter of this.waiting.get(KvBarrierPhase.Timed) ?? []) waiter.reject(this.failedError());
      this.waiting.delete(KvBarrierPhase.Timed);
      return Promise.resolve([this.failures]);
    }
    if (phase === KvBarrierPhase.Timed && this.failures > 0) return Promise.reject(this.failedError());
    if (phase !== KvBarrierPhase.Timed && phase !== KvBarrierPhase.Done)
      return Promise.reject(new Error(`kv barriers: no phase ${phase}`));
    return new Promise((resolve, reject) => {
      const waiting = this.waiting.get(phase) ?? [];
      waiting.push({ resolve, reject });
      this.waiting.set(phase, waiting);
      if (waiting.length < this.parties) return;
      this.waiting.delete(phase);
      for (const waiter of waiting) waiter.resolve([waiting.length]);
    });
  }

  private failedError(): Error {
    return new Error(`kv barriers: ${this.failures} client(s) failed; not starting the timed phase`);
  }
}
