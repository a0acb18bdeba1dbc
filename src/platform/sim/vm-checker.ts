// The simulator's TLB-shootdown checker: observes the shootdown engines of one address space from
// outside (each core's `translate`, and the engines' `onComplete` hook) and reports every moment a
// core could still use a translation the protocol promised was gone. It shares no state with the
// engines and does not trust their bookkeeping: it keeps its own model of the page table, built
// from the completed operations in the home's sequence order.
//
// The rules, checked at the instant each operation completes (onComplete runs synchronously at
// completion, before any other event of the simulation):
//   - unmap, sequence s: no core translates any page of the range with an entry written at or
//     before s (an entry with a later sequence number comes from a map sequenced after the unmap,
//     or a protect of such a map: allowed);
//   - protect to rights r, sequence s: no core translates a page of the range with an entry
//     written at or before s that holds a right outside r.
// At the end (`finish`), every core's replica agrees with the model: the same pages mapped, each
// to the same frame with the same rights and sequence number.
// A violation names the core, the page, the entry's sequence number and the operation's.
// Probing a core means calling its `translate` with no access asked for, which may fill its TLB
// from its replica (never with anything the replica does not hold), as any translation would.

import { pageBytes, vmCheckerViolationsMax } from "../../limits.js";
import { hex } from "../../vm/errors.js";
import { formatRights, type Rights, rightsNone } from "../../vm/rights.js";
import type { CompletedOperation, Translation } from "../../vm/shootdown.js";

/** One core's translate, as the checker calls it: the translation, or undefined on a fault. */
export type Probe = (vaddr: number) => Translation | undefined;

interface ModelEntry {
  readonly frame: number;
  readonly rights: Rights;
  readonly seq: number;
}

/** A completed, sequenced operation, kept until the model reaches its sequence number. */
interface Sequenced {
  readonly kind: CompletedOperation["kind"];
  readonly vaddrPage: number;
  readonly pageCount: number;
  readonly seq: number;
  /** map: the first frame; protect: the rights. */
  readonly frame: number;
  readonly rights: Rights;
}

/** What a call asks for: a map's first frame and rights, a protect's rights (frame unused). */
export interface Intent {
  readonly frame: number;
  readonly rights: Rights;
}

export class VmChecker {
  private readonly probes = new Map<number, Probe>();
  private readonly violationList: string[] = [];
  private readonly model = new Map<number, ModelEntry>();
  private readonly waiting = new Map<number, Sequenced>();
  private readonly intents = new Map<number, Intent>();
  private modelSeq = 0;
  private checkedOperations = 0;
  private checkedProbes = 0;
  private dropped = 0;

  /** Registers `core`'s translate. */
  addCore(core: number, translate: (vaddr: number, access: Rights) => Translation): void {
    this.probes.set(core, (vaddr) => {
      try {
        return translate(vaddr, rightsNone);
      } catch {
        return undefined;
      }
    });
  }

  /** Violations so far (at most vmCheckerViolationsMax, then a count of the rest). */
  get violations(): readonly string[] {
    return this.dropped === 0
      ? this.violationList
      : [...this.violationList, `vm-checker: ${this.dropped} more violations not listed`];
  }

  /** Operations checked and translations probed so far. */
  get counts(): { readonly operations: number; readonly probes: number } {
    return { operations: this.checkedOperations, probes: this.checkedProbes };
  }

  /** The onComplete hook of every core's engine. */
  completed(operation: CompletedOperation): void {
    const intent = this.intents.get(operation.core);
    this.intents.delete(operation.core);
    if (operation.error !== undefined || operation.seq === 0) return;
    this.checkedOperations++;
    if (intent === undefined && operation.kind !== "unmap")
      this.violation(
        `vm-checker: core ${operation.core}'s ${operation.kind} seq ${operation.seq} completed unannounced`,
      );
    const vaddrPage = operation.vaddr / pageBytes;
    const pageCount = operation.lengthBytes / pageBytes;
    const rights = intent?.rights ?? rightsNone;
    this.sequence({
      kind: operation.kind,
      vaddrPage,
      pageCount,
      seq: operation.seq,
      frame: intent?.frame ?? 0,
      rights,
    });
    if (operation.kind === "map") return;
    for (let page = vaddrPage; page < vaddrPage + pageCount; page++) {
      for (const [core, probe] of this.probes) {
        this.checkedProbes++;
        const t = probe(page * pageBytes);
        if (t === undefined || t.seq > operation.seq) continue;
        if (operation.kind === "unmap") {
          this.violation(
            `vm-checker: core ${core} translates page ${hex(page * pageBytes)} (entry seq ${t.seq}, frame ${t.frame}) when core ${operation.core}'s unmap seq ${operation.seq} completed`,
          );
        } else if ((t.rights & ~rights) !== 0) {
          this.violation(
            `vm-checker: core ${core} translates page ${hex(page * pageBytes)} with ${formatRights(t.rights)} (entry seq ${t.seq}) when core ${operation.core}'s protect to ${formatRights(rights)} seq ${operation.seq} completed`,
          );
        }
      }
    }
  }

  /**
   * The workload tells the checker, before each call, what the call asks for (onComplete does not
   * carry a map's frame and rights or a protect's rights). Each core has at most one operation in
   * flight, so a core's completion is that of its last announced call.
   */
  announce(core: number, intent: Intent): void {
    this.intents.set(core, intent);
  }

  /** Applies completed operations to the model in sequence order. */
  private sequence(op: Sequenced): void {
    if (op.seq <= this.modelSeq || this.waiting.has(op.seq)) {
      this.violation(`vm-checker: sequence number ${op.seq} completed twice`);
      return;
    }
    this.waiting.set(op.seq, op);
    for (;;) {
      const next = this.waiting.get(this.modelSeq + 1);
      if (next === undefined) return;
      this.waiting.delete(next.seq);
      this.modelSeq = next.seq;
      for (let i = 0; i < next.pageCount; i++) {
        const page = next.vaddrPage + i;
        const entry = this.model.get(page);
        if (next.kind === "map") {
          if (entry !== undefined)
            this.violation(
              `vm-checker: map seq ${next.seq} of page ${hex(page * pageBytes)}, mapped at seq ${entry.seq}`,
            );
          this.model.set(page, { frame: next.frame + i, rights: next.rights, seq: next.seq });
        } else if (next.kind === "unmap") {
          this.model.delete(page);
        } else if (entry !== undefined) {
          this.model.set(page, { frame: entry.frame, rights: entry.rights & next.rights, seq: next.seq });
        }
      }
    }
  }

  /** The end: every sequence number accounted for, and every core's replica equal to the model. */
  finish(pagesChecked: readonly number[]): void {
    if (this.waiting.size > 0)
      this.violation(
        `vm-checker: sequence numbers ${[...this.waiting.keys()].join(",")} completed but ${this.modelSeq + 1} never did`,
      );
    for (const page of pagesChecked) {
      const expected = this.model.get(page);
      for (const [core, probe] of this.probes) {
        const t = probe(page * pageBytes);
        const where = `vm-checker: at the end, core ${core}'s page ${hex(page * pageBytes)}`;
        if (expected === undefined) {
          if (t !== undefined) this.violation(`${where} is mapped (seq ${t.seq}); the model has it unmapped`);
        } else if (t === undefined) {
          this.violation(`${where} is unmapped; the model has it mapped at seq ${expected.seq}`);
        } else if (t.frame !== expected.frame || t.rights !== expected.rights || t.seq !== expected.seq) {
          this.violation(
            `${where} is frame ${t.frame} ${formatRights(t.rights)} seq ${t.seq}; the model has frame ${expected.frame} ${formatRights(expected.rights)} seq ${expected.seq}`,
          );
        }
      }
    }
  }

  private violation(text: string): void {
    if (this.violationList.length < vmCheckerViolationsMax) this.violationList.push(text);
    else this.dropped++;
  }
}
