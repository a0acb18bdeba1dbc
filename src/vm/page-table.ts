// One core's replica of an address space's page table: virtual page number → {frame, rights, seq}.
//
// Every core a domain spans holds its own replica and reads only its own (principle 1: share
// nothing). Replicas change only by applying updates in the order the address space's home core
// sequenced them (see shootdown.ts); `seq` records which update last wrote an entry, so a checker
// can tell a stale translation from a current one. The replica is a Map, bounded by mappedPagesMax.

import { mappedPagesMax } from "../limits.js";
import type { Rights } from "./rights.js";

/** One mapped page. */
export interface PageTableEntry {
  /** Physical frame number. */
  readonly frame: number;
  readonly rights: Rights;
  /** Sequence number of the update that last wrote this entry. */
  readonly seq: number;
}

export class PageTable {
  private readonly entries = new Map<number, PageTableEntry>();

  /** Pages mapped. */
  get size(): number {
    return this.entries.size;
  }

  lookup(vpage: number): PageTableEntry | undefined {
    return this.entries.get(vpage);
  }

  /** Whether every page of [vpage, vpage + pageCount) is mapped. */
  allMapped(vpage: number, pageCount: number): boolean {
    for (let i = 0; i < pageCount; i++) if (!this.entries.has(vpage + i)) return false;
    return true;
  }

  /** Whether any page of [vpage, vpage + pageCount) is mapped. */
  anyMapped(vpage: number, pageCount: number): boolean {
    for (let i = 0; i < pageCount; i++) if (this.entries.has(vpage + i)) return true;
    return false;
  }

  /** Maps pageCount pages to consecutive frames; every page must be unmapped. */
  map(vpage: number, pageCount: number, firstFrame: number, rights: Rights, seq: number): void {
    if (this.anyMapped(vpage, pageCount)) {
      throw new Error(
        `page table: map of page ${vpage}+${pageCount} over a mapped page (updates out of order?)`,
      );
    }
    if (this.entries.size + pageCount > mappedPagesMax) {
      throw new Error(`page table: more than mappedPagesMax=${mappedPagesMax} pages mapped`);
    }
    for (let i = 0; i < pageCount; i++) this.entries.set(vpage + i, { frame: firstFrame + i, rights, seq });
  }

  /** Unmaps the pages of the range that are mapped; returns how many were. */
  unmap(vpage: number, pageCount: number): number {
    let removed = 0;
    for (let i = 0; i < pageCount; i++) if (this.entries.delete(vpage + i)) removed++;
    return removed;
  }

  /** Restricts the mapped pages of the range to `rights` (intersection: never adds); returns how many. */
  protect(vpage: number, pageCount: number, rights: Rights, seq: number): number {
    let changed = 0;
    for (let i = 0; i < pageCount; i++) {
      const entry = this.entries.get(vpage + i);
      if (entry === undefined) continue;
      this.entries.set(vpage + i, { frame: entry.frame, rights: entry.rights & rights, seq });
      changed++;
    }
    return changed;
  }

  /** Every mapping, by ascending page: [vpage, frame, rights]. For checkers and tests. */
  snapshot(): [number, number, Rights][] {
    return [...this.entries.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([vpage, e]) => [vpage, e.frame, e.rights]);
  }
}
