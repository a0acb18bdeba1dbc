// One core's software TLB: a bounded cache of translations, evicting the least recently used.
//
// `translate` looks here first and fills from the core's page-table replica on a miss. Nothing but
// a shootdown update removes a stale entry: an unmap or protect drops the range's entries before the
// core acknowledges, which is what makes "after unmap resolves, no core translates the page" hold.
// A Map keeps insertion order, so a hit re-inserts its entry and eviction takes the first key.

import { tlbEntriesMax } from "../limits.js";
import type { PageTableEntry } from "./page-table.js";

export class Tlb {
  private readonly entries = new Map<number, PageTableEntry>();
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(readonly capacity: number = tlbEntriesMax) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`tlb: bad capacity ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached translation of `vpage`, counted as a hit or a miss. */
  lookup(vpage: number): PageTableEntry | undefined {
    const entry = this.entries.get(vpage);
    if (entry === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(vpage);
    this.entries.set(vpage, entry);
    return entry;
  }

  insert(vpage: number, entry: PageTableEntry): void {
    this.entries.delete(vpage);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) {
        this.entries.delete(oldest.value);
        this.evictions++;
      }
    }
    this.entries.set(vpage, entry);
  }

  /** Drops every entry of [vpage, vpage + pageCount); returns how many were cached. */
  invalidate(vpage: number, pageCount: number): number {
    let dropped = 0;
    if (pageCount < this.entries.size) {
      for (let i = 0; i < pageCount; i++) if (this.entries.delete(vpage + i)) dropped++;
    } else {
      for (const key of [...this.entries.keys()]) {
        if (key >= vpage && key < vpage + pageCount && this.entries.delete(key)) dropped++;
      }
    }
    return dropped;
  }

  /** Every cached translation: [vpage, entry]. For checkers. */
  cached(): [number, PageTableEntry][] {
    return [...this.entries.entries()];
  }
}
