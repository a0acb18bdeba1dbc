// One core's trace buffer on the real platform, and the merge of all cores' buffers into one file
// in Chrome's Trace Event format (opens in Perfetto).
//
// Each core records into its own typed arrays, without locks and without allocating per event:
// a handler execution is a slice (start, duration, the sending core, the message type); a message
// is a flow from its send to the start of its handler. Flow ids need no coordination: a channel is
// FIFO, so the k-th message sent on channel X is the k-th received on X, and both ends count. When
// the run ends each core hands its buffer to the boot thread, which merges them. Times are
// absolute (performance.timeOrigin + now) so that the cores' clocks line up. A full buffer stops
// recording and the trace says so.
import { performance } from "node:perf_hooks";
import { traceEventsPerCoreMax } from "../../limits.js";

/** Absolute microseconds: the same time base in every worker. */
export function nowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

const kindSlice = 0;
const kindSend = 1;
const kindReceive = 2;

/** A core's buffer as it travels to the boot thread (structured-clonable). */
export interface CoreTraceData {
  readonly core: number;
  readonly count: number;
  readonly dropped: number;
  readonly kinds: Uint8Array;
  readonly startUs: Float64Array;
  readonly durationUs: Float64Array;
  readonly peers: Int32Array;
  readonly types: Int32Array;
  /** Channel key of the flow (see channelKey) and the message's index on that channel. */
  readonly channels: Int32Array;
  readonly sequences: Float64Array;
  readonly channelNames: readonly string[];
}

export class CoreTrace {
  private count = 0;
  private dropped = 0;
  private readonly kinds = new Uint8Array(traceEventsPerCoreMax);
  private readonly startUs = new Float64Array(traceEventsPerCoreMax);
  private readonly durationUs = new Float64Array(traceEventsPerCoreMax);
  private readonly peers = new Int32Array(traceEventsPerCoreMax);
  private readonly types = new Int32Array(traceEventsPerCoreMax);
  private readonly channels = new Int32Array(traceEventsPerCoreMax);
  private readonly sequences = new Float64Array(traceEventsPerCoreMax);
  private readonly channelNames: string[] = [];
  private readonly channelKeys = new Map<string, number>();

  constructor(readonly core: number) {}

  /** A small integer naming a channel direction, the same on both ends ("mesh 0->1", "channel 7 0->1"). */
  channelKey(name: string): number {
    let key = this.channelKeys.get(name);
    if (key === undefined) {
      key = this.channelNames.length;
      this.channelNames.push(name);
      this.channelKeys.set(name, key);
    }
    return key;
  }

  private record(
    kind: number,
    startUs: number,
    durationUs: number,
    peer: number,
    type: number,
    channel: number,
    sequence: number,
  ): void {
    const i = this.count;
    if (i >= traceEventsPerCoreMax) {
      this.dropped++;
      return;
    }
    this.kinds[i] = kind;
    this.startUs[i] = startUs;
    this.durationUs[i] = durationUs;
    this.peers[i] = peer;
    this.types[i] = type;
    this.channels[i] = channel;
    this.sequences[i] = sequence;
    this.count = i + 1;
  }

  slice(startUs: number, durationUs: number, fromCore: number, type: number): void {
    this.record(kindSlice, startUs, durationUs, fromCore, type, -1, 0);
  }

  send(atUs: number, toCore: number, type: number, channel: number, sequence: number): void {
    this.record(kindSend, atUs, 0, toCore, type, channel, sequence);
  }

  receive(atUs: number, fromCore: number, type: number, channel: number, sequence: number): void {
    this.record(kindReceive, atUs, 0, fromCore, type, channel, sequence);
  }

  data(): CoreTraceData {
    const n = this.count;
    return {
      core: this.core,
      count: n,
      dropped: this.dropped,
      kinds: this.kinds.slice(0, n),
      startUs: this.startUs.slice(0, n),
      durationUs: this.durationUs.slice(0, n),
      peers: this.peers.slice(0, n),
      types: this.types.slice(0, n),
      channels: this.channels.slice(0, n),
      sequences: this.sequences.slice(0, n),
      channelNames: this.channelNames,
    };
  }
}

/** Merges every core's buffer into one Chrome Trace Event JSON document. */
export function mergeCoreTraces(traces: readonly CoreTraceData[]): string {
  const events: string[] = [
    `{"name":"process_name","ph":"M","pid":0,"tid":0,"args":{"name":"multikernel (real cores)"}}`,
  ];
  let origin = Number.POSITIVE_INFINITY;
  for (const trace of traces)
    for (let i = 0; i < trace.count; i++) origin = Math.min(origin, trace.startUs[i]!);
  if (!Number.isFinite(origin)) origin = 0;
  const at = (us: number) => (us - origin).toFixed(3);
  for (const trace of [...traces].sort((a, b) => a.core - b.core)) {
    const tid = trace.core;
    events.push(`{"name":"thread_name","ph":"M","pid":0,"tid":${tid},"args":{"name":"core ${tid}"}}`);
    events.push(`{"name":"thread_sort_index","ph":"M","pid":0,"tid":${tid},"args":{"sort_index":${tid}}}`);
    if (trace.dropped > 0) {
      events.push(
        `{"name":"trace_truncated","ph":"M","pid":0,"tid":${tid},"args":{"eventsDropped":${trace.dropped}}}`,
      );
    }
    for (let i = 0; i < trace.count; i++) {
      const type = `0x${trace.types[i]!.toString(16).padStart(4, "0")}`;
      const ts = at(trace.startUs[i]!);
      switch (trace.kinds[i]) {
        case kindSlice:
          events.push(
            `{"name":"message ${type}","cat":"handler","ph":"X","pid":0,"tid":${tid},"ts":${ts},"dur":${trace.durationUs[i]!.toFixed(3)},"args":{"from":${trace.peers[i]}}}`,
          );
          break;
        case kindSend:
        case kindReceive: {
          const id = JSON.stringify(`${trace.channelNames[trace.channels[i]!]}#${trace.sequences[i]}`);
          const phase = trace.kinds[i] === kindSend ? `"ph":"s"` : `"ph":"f","bp":"e"`;
          events.push(`{"name":"msg","cat":"msg",${phase},"pid":0,"tid":${tid},"ts":${ts},"id":${id}}`);
          break;
        }
      }
    }
  }
  return `{"traceEvents":[\n${events.join(",\n")}\n],"displayTimeUnit":"ns"}\n`;
}
