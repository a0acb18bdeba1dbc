// A dispatcher's address spaces: `ctx.addressSpace(name, { protocol })` on one core of a domain.
//
// Like a replicated object, an address space is declared by every dispatcher of the domain with the
// same name and protocol; each gets its own core's handle (src/vm/address-space.ts). Names are the
// domain's own (scoped `domain<id>/<name>` in the monitor's vm module, which runs the protocols, and
// keyed by the domain's id there too), so two domains' spaces of one name are different spaces.
// Asking again on the same core for a name gives the same handle if the protocol agrees, else an
// error.
// Frames: a frame allocated through any of the dispatcher's spaces belongs to the dispatcher, and
// `map` takes only frames the dispatcher owns (each page of the range): a domain cannot map, and so
// cannot read or write, a frame another domain allocated, nor one nobody did. A domain shares
// memory between its cores by mapping its frames into its own address space, which every core of
// the domain translates. When the dispatcher closes, its spaces close on this core (their handles
// refuse every call, earlier translations fault) and then its frames go back to the core's free
// list, whichever way the domain ended.

import { pageBytes } from "../limits.js";
import type { VmModule } from "../monitor/vm-module.js";
import type { AddressSpace, AddressSpaceOptions } from "../vm/address-space.js";
import { hex, VmError } from "../vm/errors.js";

export class DomainAddressSpaces {
  private readonly open = new Map<string, AddressSpace>();
  /** Frames this dispatcher allocated and has not given back. */
  private readonly frames = new Set<number>();
  private closed = false;

  constructor(
    private readonly vm: VmModule | undefined,
    private readonly domainId: number,
    private readonly cores: readonly number[],
  ) {}

  /** Frames the dispatcher holds now. */
  get framesOwned(): number {
    return this.frames.size;
  }

  /** This core's handle on the domain's address space `name`. */
  get(name: string, options: AddressSpaceOptions): AddressSpace {
    if (this.closed) throw new Error(`addressSpace("${name}"): the dispatcher's address spaces are closed`);
    if (typeof name !== "string" || name.length === 0)
      throw new Error("addressSpace: the name must be a non-empty string");
    if (options === null || typeof options !== "object" || typeof options.protocol !== "string")
      throw new Error(`addressSpace("${name}"): options must name a protocol`);
    const known = this.open.get(name);
    if (known !== undefined) {
      if (known.protocol !== options.protocol)
        throw new Error(
          `addressSpace("${name}"): already open with protocol ${known.protocol}, not ${options.protocol}`,
        );
      return known;
    }
    if (this.vm === undefined)
      throw new Error(`addressSpace("${name}"): this platform's monitor has no virtual-memory module`);
    const space = this.wrap(name, this.vm.open(this.scoped(name), this.cores, options, this.domainId));
    this.open.set(name, space);
    return space;
  }

  /** Closes every space of this dispatcher on this core, then returns its frames; idempotent. */
  closeAll(): void {
    this.closed = true;
    for (const name of this.open.keys()) this.vm?.close(this.scoped(name), this.domainId);
    this.open.clear();
    // Highest first: the free list pops its last frame, so the next allocations ascend again
    // (a multi-page map needs consecutive frames).
    for (const frame of [...this.frames].sort((a, b) => b - a)) this.vm?.memory?.freeFrame(frame);
    this.frames.clear();
  }

  /** The domain's view of a handle: calls refused once closed, frames allocated and mapped as owned. */
  private wrap(name: string, handle: AddressSpace): AddressSpace {
    const open = (what: string): void => {
      if (this.closed)
        throw new VmError(
          "closed",
          `domain ${this.domainId}: ${what} on address space "${name}" after it closed`,
        );
    };
    const settled = <T>(what: string, run: () => Promise<T>): Promise<T> => {
      try {
        open(what);
        return run();
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return Object.freeze({
      name,
      protocol: handle.protocol,
      cores: handle.cores,
      map: (vaddr: number, frame: number, rights: number, lengthBytes?: number) =>
        settled("map", () => {
          this.checkOwned(name, vaddr, frame, lengthBytes ?? pageBytes);
          return handle.map(vaddr, frame, rights, lengthBytes);
        }),
      unmap: (vaddr: number, lengthBytes: number) => settled("unmap", () => handle.unmap(vaddr, lengthBytes)),
      protect: (vaddr: number, lengthBytes: number, rights: number) =>
        settled("protect", () => handle.protect(vaddr, lengthBytes, rights)),
      translate: (vaddr: number, access: number) => {
        open("translate");
        return handle.translate(vaddr, access);
      },
      allocFrame: () => {
        open("allocFrame");
        const frame = handle.allocFrame();
        this.frames.add(frame);
        return frame;
      },
    });
  }

  /**
   * Refuses a map of frames this dispatcher does not own. Malformed arguments pass through, for the
   * address space's own, more precise error (unaligned, bad frame, ...).
   */
  private checkOwned(name: string, vaddr: number, frame: number, lengthBytes: number): void {
    if (!Number.isInteger(frame) || !Number.isInteger(lengthBytes) || lengthBytes <= 0) return;
    if (lengthBytes % pageBytes !== 0 || this.vm?.memory === undefined) return;
    const pageCount = lengthBytes / pageBytes;
    for (let i = 0; i < pageCount; i++) {
      if (!this.vm.memory.isFrame(frame + i)) return;
      if (!this.frames.has(frame + i))
        throw new VmError(
          "frame-not-owned",
          `domain ${this.domainId} on core ${this.vm.memory.coreId}: "${name}".map(${hex(vaddr)}, frame ${frame}, …): frame ${frame + i} was not allocated by this dispatcher`,
        );
    }
  }

  private scoped(name: string): string {
    return `domain${this.domainId}/${name}`;
  }
}
