// The shared-memory shootdown baseline on real cores: what a single-address-space kernel does.
//
// No monitor and no messages. Each address space using it takes one slot of a shared region (a
// SharedArrayBuffer allocated at boot, passed to every worker), found by its id with a lock-free
// probe (compare-and-swap on the slot's key word). A slot holds, each on its own cache line:
//   header   key (space id), refs (cores that opened it), lock (initiator core + 1, 0 when free),
//            version (bumped by every change: a translation's `seq`), domain (the owner's id + 1:
//            the key is a hash, so a slot whose key matches but whose domain differs is another
//            domain's space, skipped — a crafted name cannot open another domain's page table);
//   request  the shared request line: sequence number, first page, page count;
//   counter  the acknowledgement counter;
//   then the one shared page table: sharedPageTablePages words, 0 for unmapped, else
//   (frame + 1) << 3 | rights. Every core reads and writes it directly (Atomics).
// Each core keeps its own software TLB. An unmap or protect changes the page table, drops the range
// from the caller's TLB, then shoots down the others: the initiator takes the line's lock, writes
// the request (range, then the sequence number), and rings the doorbell of every other core of the
// domain (Atomics.notify: the IPI, paid only for a sleeping core); every other core's poll loop
// checks the request word (a poller of RealCore), drops the range from its TLB, and increments the
// counter with Atomics.add; the initiator polls the counter — spinning first, then from its poll
// loop — until it reaches N−1, bounded by sharedShootdownWaitMs, and frees the lock. A map needs no
// shootdown: no TLB holds an unmapped page. The page table covers sharedPageTablePages pages of
// virtual addresses only (a limit of this baseline, not of the message protocols).

import { performance } from "node:perf_hooks";
import {
  cacheLineBytes,
  pageBytes,
  sharedPageTablePages,
  sharedShootdownSlots,
  sharedShootdownSpinPolls,
  sharedShootdownWaitMs,
  tlbEntriesMax,
} from "../../limits.js";
import type { SharedMemorySpaceOpener } from "../../monitor/vm-module.js";
import type { AddressSpace } from "../../vm/address-space.js";
import { hex, VmError } from "../../vm/errors.js";
import { PageAccess, staleTranslationError } from "../../vm/page-access.js";
import type { PageTableEntry } from "../../vm/page-table.js";
import type { PhysicalMemory } from "../../vm/physical-memory.js";
import { checkRange } from "../../vm/range.js";
import { formatRights, isRights, type Rights, rightsAllow, rightsEscalate } from "../../vm/rights.js";
import type { SharedMemoryShootdown } from "../../vm/shared-memory-shootdown.js";
import type { Translation } from "../../vm/shootdown.js";
import { Tlb } from "../../vm/tlb.js";

const lineWords = cacheLineBytes / 4;
const keyWord = 0;
const refsWord = 1;
const lockWord = 2;
const versionWord = 3;
/** The owning domain's id + 1, written by the core that claimed the slot; 0 while it is claimed. */
const domainWord = 4;
/** Spins an opener waits for a claiming core to write the domain word (two stores away). */
const claimSpinsMax = 1 << 20;
const requestSeqWord = lineWords;
const requestPageWord = lineWords + 1;
const requestCountWord = lineWords + 2;
const ackWord = 2 * lineWords;
const tableWord = 3 * lineWords;
const slotWords = tableWord + sharedPageTablePages;
const rightsMask = 7;

/** Bytes of the shared region the boot allocates for the baseline. */
export const sharedShootdownRegionBytes = sharedShootdownSlots * slotWords * 4;

/** What the baseline needs of its core: a poller in the poll loop and the other cores' doorbells. */
export interface SharedMemoryCore {
  readonly coreId: number;
  /** Adds a poller to the core's poll loop; returns a function that removes it. */
  addPoller(poller: { poll(): number; hasWork(): boolean }): () => void;
  /** Rings `coreId`'s doorbell (Atomics.notify if it sleeps): the IPI. */
  ringDoorbell(coreId: number): void;
}

/** One initiation of this core, waiting for the line or for the acknowledgements. */
interface Initiation {
  readonly vaddrPage: number;
  readonly pageCount: number;
  readonly startMs: number;
  locked: boolean;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** One core's side of an address space's request line and counter. */
class SharedShootdownLine implements SharedMemoryShootdown {
  readonly protocol = "shared-memory";
  private handler: ((vaddrPage: number, pageCount: number) => void) | undefined;
  private lastSeen: number;
  private readonly queue: Initiation[] = [];
  private readonly others: number;

  constructor(
    private readonly words: Int32Array,
    private readonly base: number,
    private readonly core: SharedMemoryCore,
    private readonly cores: readonly number[],
  ) {
    this.others = cores.length - 1;
    // A request in flight when this core opens is one it must acknowledge; a finished one is not.
    const seq = Atomics.load(words, base + requestSeqWord);
    this.lastSeen = Atomics.load(words, base + lockWord) === 0 ? seq : seq - 1;
  }

  onInvalidate(handler: (vaddrPage: number, pageCount: number) => void): void {
    this.handler = handler;
  }

  invalidate(vaddrPage: number, pageCount: number): Promise<void> {
    if (this.others === 0) return Promise.resolve();
    const promise = new Promise<void>((resolve, reject) => {
      this.queue.push({ vaddrPage, pageCount, startMs: performance.now(), locked: false, resolve, reject });
    });
    // Spin first, as an IPI initiator does; what is left finishes from the poll loop.
    for (let i = 0; i < sharedShootdownSpinPolls && this.queue.length > 0; i++) this.poll();
    return promise;
  }

  get busy(): boolean {
    return this.queue.length > 0;
  }

  /** Whether a request of another core waits for this core. */
  requestWaiting(): boolean {
    return Atomics.load(this.words, this.base + requestSeqWord) !== this.lastSeen;
  }

  /** One look at the line: serve another core's request, advance this core's own. */
  poll(): number {
    return this.serve() + this.advance();
  }

  private serve(): number {
    const w = this.words;
    const b = this.base;
    const seq = Atomics.load(w, b + requestSeqWord);
    if (seq === this.lastSeen) return 0;
    this.lastSeen = seq;
    this.handler?.(Atomics.load(w, b + requestPageWord), Atomics.load(w, b + requestCountWord));
    Atomics.add(w, b + ackWord, 1);
    return 1;
  }

  private advance(): number {
    const head = this.queue[0];
    if (head === undefined) return 0;
    const w = this.words;
    const b = this.base;
    if (!head.locked) {
      if (Atomics.compareExchange(w, b + lockWord, 0, this.core.coreId + 1) !== 0) return this.timedOut(head);
      head.locked = true;
      Atomics.store(w, b + ackWord, 0);
      Atomics.store(w, b + requestPageWord, head.vaddrPage);
      Atomics.store(w, b + requestCountWord, head.pageCount);
      this.lastSeen = Atomics.add(w, b + requestSeqWord, 1) + 1;
      for (const c of this.cores) if (c !== this.core.coreId) this.core.ringDoorbell(c);
      return 1;
    }
    if (Atomics.load(w, b + ackWord) < this.others) return this.timedOut(head);
    Atomics.store(w, b + lockWord, 0);
    this.queue.shift();
    head.resolve();
    return 1;
  }

  private timedOut(head: Initiation): number {
    if (performance.now() - head.startMs < sharedShootdownWaitMs) return 0;
    this.queue.shift();
    if (head.locked) Atomics.store(this.words, this.base + lockWord, 0);
    head.reject(
      new Error(
        `core ${this.core.coreId}: shared-memory shootdown of page ${head.vaddrPage}+${head.pageCount}: ` +
          (head.locked
            ? `only ${Atomics.load(this.words, this.base + ackWord)} of ${this.others} cores acknowledged`
            : "the request line stayed busy") +
          ` within ${sharedShootdownWaitMs} ms (sharedShootdownWaitMs)`,
      ),
    );
    return 1;
  }
}

/** One core's handle on an address space with the shared-memory baseline. */
class SharedMemoryAddressSpace implements AddressSpace {
  readonly protocol = "shared-memory";
  private readonly tlb = new Tlb(tlbEntriesMax);
  private readonly line: SharedShootdownLine;
  private readonly removePoller: () => void;
  /** Closed: the slot may hold another space's table now, so nothing is looked up in it. */
  private closed = false;

  constructor(
    readonly name: string,
    readonly cores: readonly number[],
    private readonly words: Int32Array,
    private readonly base: number,
    private readonly memory: PhysicalMemory,
    private readonly core: SharedMemoryCore,
  ) {
    this.line = new SharedShootdownLine(words, base, core, cores);
    this.line.onInvalidate((vaddrPage, pageCount) => this.tlb.invalidate(vaddrPage, pageCount));
    this.removePoller = core.addPoller({
      poll: () => this.line.poll(),
      hasWork: () => this.line.busy || this.line.requestWaiting(),
    });
  }

  map(vaddr: number, frame: number, rights: Rights, lengthBytes: number = pageBytes): Promise<void> {
    const description = `core ${this.core.coreId}: map(${hex(vaddr)}, frame ${frame}, ${formatRights(rights)}, ${lengthBytes})`;
    try {
      const pageCount = this.checkRange(description, vaddr, lengthBytes);
      if (!isRights(rights))
        throw new VmError("bad-rights", `${description}: ${rights} is not a set of rights`);
      if (!this.memory.isFrame(frame) || !this.memory.isFrame(frame + pageCount - 1))
        throw new VmError(
          "bad-frame",
          `${description}: frames ${frame}+${pageCount} outside ${this.memory.frameCount}`,
        );
      const first = vaddr / pageBytes;
      Atomics.add(this.words, this.base + versionWord, 1);
      for (let i = 0; i < pageCount; i++) {
        const value = ((frame + i + 1) << 3) | rights;
        if (Atomics.compareExchange(this.words, this.pte(first + i), 0, value) !== 0) {
          for (let j = 0; j < i; j++) Atomics.store(this.words, this.pte(first + j), 0);
          throw new VmError(
            "already-mapped",
            `${description}: page ${hex((first + i) * pageBytes)} is already mapped`,
          );
        }
      }
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  unmap(vaddr: number, lengthBytes: number): Promise<void> {
    const description = `core ${this.core.coreId}: unmap(${hex(vaddr)}, ${lengthBytes})`;
    try {
      const pageCount = this.checkRange(description, vaddr, lengthBytes);
      const first = vaddr / pageBytes;
      this.checkMapped(description, first, pageCount, undefined);
      for (let i = 0; i < pageCount; i++) Atomics.store(this.words, this.pte(first + i), 0);
      Atomics.add(this.words, this.base + versionWord, 1);
      this.tlb.invalidate(first, pageCount);
      return this.line.invalidate(first, pageCount);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  protect(vaddr: number, lengthBytes: number, rights: Rights): Promise<void> {
    const description = `core ${this.core.coreId}: protect(${hex(vaddr)}, ${lengthBytes}, ${formatRights(rights)})`;
    try {
      const pageCount = this.checkRange(description, vaddr, lengthBytes);
      if (!isRights(rights))
        throw new VmError("bad-rights", `${description}: ${rights} is not a set of rights`);
      const first = vaddr / pageBytes;
      this.checkMapped(description, first, pageCount, rights);
      for (let i = 0; i < pageCount; i++) {
        const at = this.pte(first + i);
        for (;;) {
          const old = Atomics.load(this.words, at);
          if (old === 0) break;
          const next = (old & ~rightsMask) | (old & rights & rightsMask);
          if (Atomics.compareExchange(this.words, at, old, next) === old) break;
        }
      }
      Atomics.add(this.words, this.base + versionWord, 1);
      this.tlb.invalidate(first, pageCount);
      return this.line.invalidate(first, pageCount);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  translate(vaddr: number, access: Rights): Translation {
    const coreId = this.core.coreId;
    if (!Number.isInteger(vaddr) || vaddr < 0 || vaddr >= sharedPageTablePages * pageBytes)
      throw new VmError(
        "out-of-range",
        `core ${coreId}: translate(${vaddr}): outside the shared page table's ${hex(sharedPageTablePages * pageBytes)} bytes`,
      );
    if (!isRights(access))
      throw new VmError("bad-rights", `core ${coreId}: translate: ${access} is not an access`);
    const vaddrPage = Math.floor(vaddr / pageBytes);
    const entry = this.lookup(vaddrPage);
    if (entry === undefined)
      throw new VmError("page-fault", `core ${coreId}: page fault: ${hex(vaddr)} is not mapped`);
    if (!rightsAllow(entry.rights, access))
      throw new VmError(
        "protection-fault",
        `core ${coreId}: protection fault: ${formatRights(access)} access to ${hex(vaddr)}, mapped ${formatRights(entry.rights)}`,
      );
    const frame = entry.frame;
    return {
      frame,
      rights: entry.rights,
      seq: entry.seq,
      offsetBytes: vaddr - vaddrPage * pageBytes,
      page: new PageAccess(this.memory.frameBytes(frame), vaddrPage, (checked) => {
        const current = this.closed ? undefined : this.lookup(vaddrPage);
        if (current === undefined || current.frame !== frame || !rightsAllow(current.rights, checked))
          throw staleTranslationError(coreId, vaddrPage, checked, current, frame);
      }),
    };
  }

  /** This core's mapping of a page: its TLB, filled from the shared page table on a miss. */
  private lookup(vaddrPage: number): PageTableEntry | undefined {
    let entry = this.tlb.lookup(vaddrPage);
    if (entry === undefined) {
      const value = Atomics.load(this.words, this.pte(vaddrPage));
      if (value === 0) return undefined;
      entry = {
        frame: (value >>> 3) - 1,
        rights: value & rightsMask,
        seq: Atomics.load(this.words, this.base + versionWord),
      };
      this.tlb.insert(vaddrPage, entry);
    }
    return entry;
  }

  allocFrame(): number {
    return this.memory.allocFrame();
  }

  /** Leaves the slot: the last core to leave clears it for the next space. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.removePoller();
    const w = this.words;
    const b = this.base;
    if (Atomics.sub(w, b + refsWord, 1) === 1) {
      for (let i = 1; i < slotWords; i++) Atomics.store(w, b + i, 0);
      Atomics.store(w, b + keyWord, 0);
    }
  }

  private pte(vaddrPage: number): number {
    return this.base + tableWord + vaddrPage;
  }

  private checkRange(description: string, vaddr: number, lengthBytes: number): number {
    return checkRange(
      description,
      vaddr,
      lengthBytes,
      sharedPageTablePages * pageBytes,
      "the shared page table",
    );
  }

  private checkMapped(
    description: string,
    first: number,
    pageCount: number,
    rights: Rights | undefined,
  ): void {
    for (let i = 0; i < pageCount; i++) {
      const value = Atomics.load(this.words, this.pte(first + i));
      const vaddr = (first + i) * pageBytes;
      if (value === 0) throw new VmError("not-mapped", `${description}: page ${hex(vaddr)} is not mapped`);
      if (rights !== undefined && rightsEscalate(value & rightsMask, rights))
        throw new VmError(
          "rights-escalation",
          `${description}: rights escalation: page ${hex(vaddr)} is mapped ${formatRights(value & rightsMask)}`,
        );
    }
  }
}

/** The opener the vm module calls for a shared-memory space, over the boot's shared region. */
export function sharedMemoryOpener(
  region: SharedArrayBuffer,
  core: SharedMemoryCore,
): SharedMemorySpaceOpener {
  if (region.byteLength < sharedShootdownRegionBytes)
    throw new Error(
      `shared-memory shootdown: region of ${region.byteLength} bytes, needs ${sharedShootdownRegionBytes}`,
    );
  const words = new Int32Array(region, 0, sharedShootdownRegionBytes / 4);
  return (spaceId, name, cores, memory, domainId) => {
    const key = spaceId | 0 || 1;
    const owner = (domainId + 1) | 0 || 1;
    for (let probe = 0; probe < sharedShootdownSlots; probe++) {
      const base = ((spaceId + probe) % sharedShootdownSlots) * slotWords;
      const old = Atomics.compareExchange(words, base + keyWord, 0, key);
      if (old === 0) Atomics.store(words, base + domainWord, owner);
      else if (old !== key || slotDomain(words, base, name) !== owner) continue;
      Atomics.add(words, base + refsWord, 1);
      return new SharedMemoryAddressSpace(name, cores, words, base, memory, core);
    }
    throw new Error(
      `addressSpace("${name}"): all ${sharedShootdownSlots} shared-memory shootdown slots are in use (sharedShootdownSlots)`,
    );
  };
}

/** The owner word of a slot whose key matched: waits out the claiming core's store of it. */
function slotDomain(words: Int32Array, base: number, name: string): number {
  for (let spin = 0; spin < claimSpinsMax; spin++) {
    const owner = Atomics.load(words, base + domainWord);
    if (owner !== 0) return owner;
  }
  throw new Error(`addressSpace("${name}"): a shared-memory slot stayed claimed without an owner`);
}
