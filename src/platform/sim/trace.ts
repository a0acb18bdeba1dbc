// A recorder of the simulated run in Chrome's Trace Event format (chrome://tracing, Perfetto).
//
// One process ("sim <machine>"), one thread per core (named by metadata events). A handler's
// execution is a complete ("X") slice on its core's thread, named "interface.message"; a message is
// a flow: an "s" event on the sender's thread at the time the slot was written and an "f" event
// (binding to the enclosing slice, "bp":"e") on the receiver's thread when its handler starts, with
// the engine's message id (a number, unique in the run) as the flow id. Perfetto drops a flow
// event that no slice encloses, so each core's flow events wait until its slice is recorded and
// are then written after it, moved strictly inside it (one cycle in from either edge); a flow end
// whose start was not written (the trace was full) is left out. Times are microseconds from
// virtual cycles. The output is built by string concatenation in recording order, so the same seed
// gives a byte-identical file. Recording stops at simTraceEventsMax events and the trace says so
// in a metadata event.

import { simTraceEventsMax } from "../../limits.js";
import { type ChannelKind, messageName } from "../../monitor/message-names.js";

/** How far inside its slice a flow event is placed, in cycles. */
const insideCycles = 1;

/** A flow event waiting for its core's slice. */
interface PendingFlow {
  readonly atCycles: number;
  readonly phase: "s" | "f";
  readonly id: number;
}

export class TraceRecorder {
  private readonly events: string[] = [];
  private truncated = false;
  private readonly cyclesPerUs: number;
  /** Each core's flow events since its last slice. */
  private readonly pending = new Map<number, PendingFlow[]>();
  /** Flows whose start was written (an end is written only after its start). */
  private readonly started = new Set<number>();
  /** Message names by channel kind and type, resolved once each. */
  private readonly names = new Map<string, string>();

  constructor(
    readonly machineName: string,
    clockGHz: number,
    coreIds: readonly number[],
  ) {
    this.cyclesPerUs = clockGHz * 1000;
    this.events.push(
      `{"name":"process_name","ph":"M","pid":0,"tid":0,"ts":0,"args":{"name":${JSON.stringify(`sim ${machineName}`)}}}`,
    );
    for (const core of coreIds) {
      this.events.push(
        `{"name":"thread_name","ph":"M","ts":0,"pid":0,"tid":${core},"args":{"name":"core ${core}"}}`,
      );
      this.events.push(
        `{"name":"thread_sort_index","ph":"M","ts":0,"pid":0,"tid":${core},"args":{"sort_index":${core}}}`,
      );
    }
  }

  private us(cycles: number): string {
    return (cycles / this.cyclesPerUs).toFixed(4);
  }

  private push(event: string): void {
    if (this.events.length >= simTraceEventsMax) {
      this.truncated = true;
      return;
    }
    this.events.push(event);
  }

  /**
   * "interface.message" for a message of `type` on the channel `channelName` of `kind`, resolved
   * once per monitor type and once per domain channel and type.
   */
  messageName(type: number, kind: ChannelKind, channelName: string): string {
    const key = kind === "monitor" ? `#${type}` : `${channelName}#${type}`;
    let name = this.names.get(key);
    if (name === undefined) {
      name = messageName(type, kind, channelName) ?? `unnamed type 0x${type.toString(16).padStart(4, "0")}`;
      this.names.set(key, name);
    }
    return name;
  }

  /** A handler execution on `core`, then the flow events it enclosed. */
  slice(core: number, startCycles: number, durationCycles: number, name: string, argsJson: string): void {
    this.push(
      `{"name":${JSON.stringify(name)},"cat":"handler","ph":"X","pid":0,"tid":${core},"ts":${this.us(startCycles)},"dur":${this.us(durationCycles)},"args":${argsJson}}`,
    );
    const flows = this.pending.get(core);
    if (flows === undefined || flows.length === 0) return;
    const endCycles = startCycles + durationCycles;
    const roomy = durationCycles >= 2 * insideCycles;
    for (const flow of flows) {
      const at = roomy
        ? Math.min(Math.max(flow.atCycles, startCycles + insideCycles), endCycles - insideCycles)
        : startCycles;
      this.writeFlow(core, at, flow);
    }
    flows.length = 0;
  }

  private writeFlow(core: number, atCycles: number, flow: PendingFlow): void {
    if (flow.phase === "f" && !this.started.has(flow.id)) return;
    const before = this.events.length;
    const phase = flow.phase === "s" ? `"ph":"s"` : `"ph":"f","bp":"e"`;
    this.push(
      `{"name":"msg","cat":"msg",${phase},"pid":0,"tid":${core},"ts":${this.us(atCycles)},"id":${flow.id}}`,
    );
    if (flow.phase === "s" && this.events.length > before) this.started.add(flow.id);
  }

  private hold(core: number, flow: PendingFlow): void {
    let flows = this.pending.get(core);
    if (flows === undefined) {
      flows = [];
      this.pending.set(core, flows);
    }
    flows.push(flow);
  }

  /** The start of message `id`'s flow arrow, on the sender (written after its slice). */
  flowOut(core: number, atCycles: number, id: number): void {
    this.hold(core, { atCycles, phase: "s", id });
  }

  /** The end of message `id`'s flow arrow, on the receiver (written after its handler's slice). */
  flowIn(core: number, atCycles: number, id: number): void {
    this.hold(core, { atCycles, phase: "f", id });
  }

  /** An instant event (a crash, say) on `core`. */
  instant(core: number, atCycles: number, name: string): void {
    this.push(
      `{"name":${JSON.stringify(name)},"ph":"i","s":"t","pid":0,"tid":${core},"ts":${this.us(atCycles)}}`,
    );
  }

  /** Events recorded so far. */
  get eventCount(): number {
    return this.events.length;
  }

  /** The whole trace as a JSON string. */
  toJson(): string {
    const tail = this.truncated
      ? `,\n{"name":"trace_truncated","ph":"M","ts":0,"pid":0,"tid":0,"args":{"eventsMax":${simTraceEventsMax}}}`
      : "";
    return `{"traceEvents":[\n${this.events.join(",\n")}${tail}\n],"displayTimeUnit":"ns"}\n`;
  }
}
