// A recorder of the simulated run in Chrome's Trace Event format (chrome://tracing, Perfetto).
//
// One process ("sim <machine>"), one thread per core (named by metadata events). A handler's
// execution is a complete ("X") slice on its core's thread; a message is a flow: an "s" event on
// the sender's thread at the time the slot was written and an "f" event (binding to the enclosing
// slice, "bp":"e") on the receiver's thread when its handler starts, with the engine's message id
// as the flow id. Times are microseconds from virtual cycles. The output is built by string
// concatenation in recording order, so the same seed gives a byte-identical file. Recording stops
// at simTraceEventsMax events and the trace says so in a metadata event.

import { simTraceEventsMax } from "../../limits.js";

export class TraceRecorder {
  private readonly events: string[] = [];
  private truncated = false;
  private readonly cyclesPerUs: number;

  constructor(
    readonly machineName: string,
    clockGHz: number,
    coreIds: readonly number[],
  ) {
    this.cyclesPerUs = clockGHz * 1000;
    this.events.push(
      `{"name":"process_name","ph":"M","pid":0,"tid":0,"args":{"name":${JSON.stringify(`sim ${machineName}`)}}}`,
    );
    for (const core of coreIds) {
      this.events.push(
        `{"name":"thread_name","ph":"M","pid":0,"tid":${core},"args":{"name":"core ${core}"}}`,
      );
      this.events.push(
        `{"name":"thread_sort_index","ph":"M","pid":0,"tid":${core},"args":{"sort_index":${core}}}`,
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

  /** A handler execution on `core`. */
  slice(core: number, startCycles: number, durationCycles: number, name: string, argsJson: string): void {
    this.push(
      `{"name":${JSON.stringify(name)},"cat":"handler","ph":"X","pid":0,"tid":${core},"ts":${this.us(startCycles)},"dur":${this.us(durationCycles)},"args":${argsJson}}`,
    );
  }

  /** The start of message `id`'s flow arrow, on the sender. */
  flowOut(core: number, atCycles: number, id: number): void {
    this.push(
      `{"name":"msg","cat":"msg","ph":"s","pid":0,"tid":${core},"ts":${this.us(atCycles)},"id":${id}}`,
    );
  }

  /** The end of message `id`'s flow arrow, on the receiver. */
  flowIn(core: number, atCycles: number, id: number): void {
    this.push(
      `{"name":"msg","cat":"msg","ph":"f","bp":"e","pid":0,"tid":${core},"ts":${this.us(atCycles)},"id":${id}}`,
    );
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
      ? `,\n{"name":"trace_truncated","ph":"M","pid":0,"tid":0,"args":{"eventsMax":${simTraceEventsMax}}}`
      : "";
    return `{"traceEvents":[\n${this.events.join(",\n")}${tail}\n],"displayTimeUnit":"ns"}\n`;
  }
}
