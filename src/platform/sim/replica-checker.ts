// Invariant checker for replicated objects, separate from the replication protocol it checks.
//
// It is told what each replica applied (from ReplicationModule's onApplied observers: the seq and
// the update's unique id) and how each update ended for its requester (committed with a seq, or
// aborted), and at the end, which replicas are live (not crashed). It reports:
//   order       a replica whose seqs are not 1, 2, 3, ... or that applied one update twice;
//   agreement   two replicas that applied different updates at the same seq, or (when the run
//               quiesced) live replicas that applied different numbers of updates;
//   atomicity   a two-phase update applied by some live replicas and not others, an aborted update
//               applied anywhere, or a committed update not applied, at its seq, by every live
//               replica (when the run quiesced).

export type UpdateOutcome =
  | { readonly kind: "committed"; readonly seq: number }
  | { readonly kind: "aborted"; readonly reason: string }
  | { readonly kind: "failed"; readonly reason: string };

export class ReplicaChecker {
  /** Per replica: the update ids it applied, in order (index seq - 1). */
  private readonly appliedIds = new Map<number, string[]>();
  private readonly outcomes = new Map<string, { mode: string; outcome: UpdateOutcome }>();
  private readonly modes = new Map<string, string>();
  private readonly violations: string[] = [];

  constructor(
    readonly objectName: string,
    readonly replicas: readonly number[],
  ) {
    for (const core of replicas) this.appliedIds.set(core, []);
  }

  /** Replica `core` applied update `id` as `seq`. */
  applied(core: number, seq: number, id: string): void {
    const list = this.appliedIds.get(core);
    if (list === undefined) {
      this.violations.push(`order: core ${core} applied ${id} but holds no replica of ${this.objectName}`);
      return;
    }
    if (seq !== list.length + 1)
      this.violations.push(`order: core ${core} applied seq ${seq} after seq ${list.length}`);
    if (list.includes(id)) this.violations.push(`order: core ${core} applied update ${id} twice`);
    list.push(id);
  }

  /** Update `id` was asked for, in `mode`. */
  issued(id: string, mode: string): void {
    if (this.modes.has(id)) this.violations.push(`order: update id ${id} issued twice`);
    this.modes.set(id, mode);
  }

  /** How update `id` (made in `mode`) ended for its requester. */
  settled(id: string, mode: string, outcome: UpdateOutcome): void {
    if (this.outcomes.has(id)) this.violations.push(`atomicity: update ${id} settled twice`);
    this.outcomes.set(id, { mode, outcome });
  }

  /** Applied counts per replica. */
  appliedCounts(): Map<number, number> {
    return new Map([...this.appliedIds].map(([core, ids]) => [core, ids.length]));
  }

  /** Ends the check; `quiesced`: nothing was in flight at the end, so replicas must have caught up. */
  finish(live: readonly number[], quiesced: boolean): string[] {
    const found = [...this.violations];
    const liveReplicas = this.replicas.filter((c) => live.includes(c));
    const bySeq = new Map<number, { id: string; core: number }>();
    const appliedBy = new Map<string, number[]>();
    for (const [core, ids] of this.appliedIds) {
      ids.forEach((id, i) => {
        const seen = bySeq.get(i + 1);
        if (seen === undefined) bySeq.set(i + 1, { id, core });
        else if (seen.id !== id)
          found.push(`agreement: seq ${i + 1} is ${seen.id} on core ${seen.core} but ${id} on core ${core}`);
        if (live.includes(core)) appliedBy.set(id, [...(appliedBy.get(id) ?? []), core]);
      });
    }
    if (quiesced) {
      const counts = liveReplicas.map((c) => this.appliedIds.get(c)!.length);
      if (new Set(counts).size > 1) {
        found.push(
          `agreement: live replicas applied different numbers of updates: ${liveReplicas.map((c, i) => `core ${c}: ${counts[i]}`).join(", ")}`,
        );
      }
    }
    for (const [id, { mode, outcome }] of this.outcomes) {
      const cores = appliedBy.get(id) ?? [];
      if (outcome.kind === "aborted" && cores.length > 0)
        found.push(`atomicity: update ${id} aborted but applied on cores ${cores.join(", ")}`);
      if (outcome.kind === "committed" && quiesced && cores.length !== liveReplicas.length) {
        found.push(
          `atomicity: ${mode} update ${id} committed as seq ${outcome.seq} but applied on ${cores.length} of ${liveReplicas.length} live replicas`,
        );
      }
      if (outcome.kind === "committed" && bySeq.get(outcome.seq)?.id !== id)
        found.push(`agreement: update ${id} committed as seq ${outcome.seq}, which holds another update`);
    }
    // Two-phase: all live replicas or none, whatever the requester heard.
    for (const [id, cores] of appliedBy) {
      const mode = this.modes.get(id);
      if (mode === "two-phase" && quiesced && cores.length !== liveReplicas.length)
        found.push(
          `atomicity: two-phase update ${id} applied on ${cores.length} of ${liveReplicas.length} live replicas`,
        );
    }
    return found;
  }
}
