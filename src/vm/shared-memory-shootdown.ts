// The shared-memory shootdown baseline: what a single-address-space kernel does, as an interface.
//
// Not a message protocol, so not run by ShootdownEngine: the initiator writes one shared request
// (the range to invalidate) and waits on a shared counter that every other core increments once it
// has dropped the range from its TLB — the analogue of an inter-processor interrupt and its
// acknowledgement. Only a platform may touch shared memory, so the real platform (Atomics on a
// SharedArrayBuffer, Atomics.notify as the IPI) and the simulator (the cost of the cache lines and
// the interrupt) implement this interface; benchmarks compare it with the message protocols.

/** A platform's implementation of the shared-memory baseline for one address space. */
export interface SharedMemoryShootdown {
  readonly protocol: "shared-memory";
  /**
   * Posts a request to invalidate [vaddrPage, vaddrPage + pageCount) on every other core and
   * resolves once the shared counter shows that each has done so.
   */
  invalidate(vaddrPage: number, pageCount: number): Promise<void>;
  /** Called on each other core when it sees the request: drop the range from the core's TLB. */
  onInvalidate(handler: (vaddrPage: number, pageCount: number) => void): void;
}
