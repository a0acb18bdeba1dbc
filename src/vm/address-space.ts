// A domain's address space as its code sees it on one core: the calls every protocol answers.
//
// A domain opens it with `ctx.addressSpace(name, { protocol })` on every core it spans (same name,
// same protocol), and gets this object on each. The message protocols (broadcast, unicast,
// multicast, numa-multicast) are backed by a ShootdownEngine per core, whose messages the monitor's
// vm module routes (src/monitor/vm-module.ts); the shared-memory baseline is the platform's own
// (one shared page table, a shared request line and counter: src/platform/real/shared-memory-space.ts).
// Whatever the protocol: map, unmap and protect resolve once every core of the domain sees the
// change (after unmap resolves no core translates the range); translate is local (TLB, then page
// table) and gives a view of the frame's real bytes; bad input rejects with a VmError.

import type { Rights } from "./rights.js";
import type { CompletedOperation, Translation } from "./shootdown.js";
import type { ShootdownProtocol } from "./shootdown-routes.js";

/** What every core declares for an address space, identically. */
export interface AddressSpaceOptions {
  readonly protocol: ShootdownProtocol;
  /**
   * Message protocols only: called on this core the moment one of its operations completes, before
   * its promise settles (the engine's hook, for invariant checkers such as the simulator's).
   */
  readonly onComplete?: (operation: CompletedOperation) => void;
}

/** One core's handle on a domain's address space. */
export interface AddressSpace {
  /** The name the domain gave it. */
  readonly name: string;
  readonly protocol: ShootdownProtocol;
  /** The cores it spans, ascending (the domain's cores). */
  readonly cores: readonly number[];
  /** Maps `lengthBytes` (one page by default) at `vaddr` to consecutive frames from `frame`. */
  map(vaddr: number, frame: number, rights: Rights, lengthBytes?: number): Promise<void>;
  /** Unmaps; resolves once no core of the domain translates any page of the range. */
  unmap(vaddr: number, lengthBytes: number): Promise<void>;
  /** Takes rights away (never adds); resolves once every core has the reduced rights. */
  protect(vaddr: number, lengthBytes: number, rights: Rights): Promise<void>;
  /** Translates on this core: TLB, then page table. Throws a VmError page or protection fault. */
  translate(vaddr: number, access: Rights): Translation;
  /** A free frame of this core's share of physical memory. */
  allocFrame(): number;
}
