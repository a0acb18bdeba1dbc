// Invariant checkers for simulated channels, separate from the engine they check.
//
// The engine reports each message it accepts (`sent`) and each it hands to a core's logic
// (`delivered`), naming the stream — one sender-to-reader direction of one channel; a broadcast
// channel is one stream per reader — and a message id it assigned. The checker keeps each stream's
// expected order and reports, at once or in `report()`:
//   - reordering: a delivery that is not the oldest undelivered message of its stream;
//   - duplication: a delivery of an id already delivered, or never sent, on the stream;
//   - loss: at the end, messages sent but neither delivered nor dropped for a stated reason (a
//     crashed receiver) nor still in flight when the run stopped.

export interface ChannelViolation {
  readonly kind: "reorder" | "duplicate" | "loss";
  readonly stream: string;
  readonly messageId: number;
  readonly detail: string;
}

export class ChannelChecker {
  private readonly pending = new Map<string, number[]>();
  private readonly heads = new Map<string, number>();
  private readonly violations: ChannelViolation[] = [];
  private readonly excused = new Map<string, number>();
  sentCount = 0;
  deliveredCount = 0;

  /** `throwOnViolation`: throw at the first violation instead of collecting them. */
  constructor(private readonly throwOnViolation = true) {}

  private note(v: ChannelViolation): void {
    this.violations.push(v);
    if (this.throwOnViolation)
      throw new Error(`channel checker: ${v.kind} on ${v.stream}: message ${v.messageId}: ${v.detail}`);
  }

  sent(stream: string, messageId: number): void {
    this.sentCount++;
    let queue = this.pending.get(stream);
    if (queue === undefined) {
      queue = [];
      this.pending.set(stream, queue);
      this.heads.set(stream, 0);
    }
    queue.push(messageId);
  }

  delivered(stream: string, messageId: number): void {
    this.deliveredCount++;
    this.take(stream, messageId, "delivered");
  }

  /**
   * A message dropped for a stated reason (its receiver or sender crashed): not a loss. Drops need
   * not come in order (a crashed sender's unsent messages go before its sent ones arrive).
   */
  dropped(stream: string, messageId: number, reason: string): void {
    this.excused.set(reason, (this.excused.get(reason) ?? 0) + 1);
    const queue = this.pending.get(stream);
    const head = this.heads.get(stream) ?? 0;
    const at = queue === undefined ? -1 : queue.indexOf(messageId, head);
    if (queue === undefined || at < 0) {
      this.note({ kind: "duplicate", stream, messageId, detail: "dropped but not outstanding" });
      return;
    }
    if (at === head) this.take(stream, messageId, "dropped");
    else queue.splice(at, 1);
  }

  private take(stream: string, messageId: number, verb: string): void {
    const queue = this.pending.get(stream);
    const head = this.heads.get(stream) ?? 0;
    if (queue === undefined || head >= queue.length) {
      this.note({
        kind: "duplicate",
        stream,
        messageId,
        detail: `${verb} but nothing is outstanding on the stream`,
      });
      return;
    }
    const expected = queue[head]!;
    if (expected !== messageId) {
      const later = queue.indexOf(messageId, head);
      this.note({
        kind: later < 0 ? "duplicate" : "reorder",
        stream,
        messageId,
        detail:
          later < 0 ? `${verb} but not outstanding` : `${verb} before message ${expected}, sent earlier`,
      });
      if (later >= 0) queue.splice(later, 1);
      return;
    }
    this.heads.set(stream, head + 1);
    if (head + 1 > 1024 && head + 1 === queue.length) {
      queue.length = 0;
      this.heads.set(stream, 0);
    }
  }

  /** Messages sent but not yet delivered or dropped, per stream. */
  outstanding(): Map<string, number> {
    const result = new Map<string, number>();
    for (const [stream, queue] of this.pending) {
      const left = queue.length - (this.heads.get(stream) ?? 0);
      if (left > 0) result.set(stream, left);
    }
    return result;
  }

  /**
   * Ends the check: outstanding messages are losses unless `inFlightAllowed` (the run was cut
   * short by a bound). Returns every violation found.
   */
  finish(inFlightAllowed: boolean): ChannelViolation[] {
    if (!inFlightAllowed) {
      for (const [stream, left] of this.outstanding()) {
        const queue = this.pending.get(stream)!;
        this.note({
          kind: "loss",
          stream,
          messageId: queue[this.heads.get(stream) ?? 0]!,
          detail: `${left} message(s) never delivered`,
        });
      }
    }
    return [...this.violations];
  }

  /** A readable summary. */
  report(): string {
    const lines = [
      `${this.sentCount} sent, ${this.deliveredCount} delivered, ${this.violations.length} violation(s)`,
    ];
    for (const [reason, count] of this.excused) lines.push(`  ${count} dropped: ${reason}`);
    for (const v of this.violations.slice(0, 20))
      lines.push(`  ${v.kind} on ${v.stream}: message ${v.messageId}: ${v.detail}`);
    if (this.violations.length > 20) lines.push(`  … and ${this.violations.length - 20} more`);
    return lines.join("\n");
  }
}
