// One core's trace buffer on the real platform (`--trace`); trace-merge.ts writes all cores' buffers
// as one Chrome Trace Event file (opens in Perfetto).
//
// Each core records into its own typed arrays, without locks and without allocating per event:
// a handler execution is a slice (start, duration, the sending core, the channel, the message
// type); a message is a flow from its send to the start of its handler. Flow ids need no
// coordination: a channel is FIFO, so the k-th message sent on channel X is the k-th received on X,
// and both ends count (messages that bypass the ports on both ends, the round-trip probe's, are
// counted by neither; see real-core.ts). When the run ends each core names the message types it
// saw ("interface.message", resolved in this thread, which has declared the domain's interfaces)
// and hands its buffer to the boot thread, which merges them. Times are absolute
// (performance.timeOrigin + now) so that the cores' clocks line up. A full buffer stops recording
// and the trace says so.
import { performance } from "node:perf_hooks";
import { traceEventsPerCoreMax } from "../../limits.js";
import { messageName } from "../../monitor/message-names.js";
import { isProbeType, probeBeginType, probePingType } from "./round-trip-probe.js";

export { mergeCoreTraces } from "./trace-merge.js";

/** Absolute microseconds: the same time base in every worker. */
export function nowUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

export const kindSlice = 0;
export const kindSend = 1;
export const kindReceive = 2;

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
  /** Channel key of the event (an index into channelNames) and the message's index on that channel. */
  readonly channels: Int32Array;
  readonly sequences: Float64Array;
  readonly channelNames: readonly string[];
  /** The name of each (channel key, type) this core recorded: "interface.message". */
  readonly typeNames: readonly (readonly [channel: number, type: number, name: string])[];
}

/** Whether a traced channel carries the monitors' interfaces ("mesh …", "broadcast …") or a domain's. */
export function isMonitorChannel(channelName: string): boolean {
  return channelName.startsWith("mesh ") || channelName.startsWith("broadcast ");
}

/** "interface.message" for a message of `type` on the channel named `channelName`. */
export function traceMessageName(type: number, channelName: string): string {
  if (isProbeType(type))
    return type === probeBeginType ? "probe.begin" : type === probePingType ? "probe.ping" : "probe.pong";
  const kind = isMonitorChannel(channelName) ? "monitor" : "domain";
  return messageName(type, kind, channelName) ?? `unnamed type 0x${type.toString(16).padStart(4, "0")}`;
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

  /** A handler's execution: a message of `type` from `fromCore` on channel `channel`. */
  slice(startUs: number, durationUs: number, fromCore: number, type: number, channel: number): void {
    this.record(kindSlice, startUs, durationUs, fromCore, type, channel, 0);
  }

  send(atUs: number, toCore: number, type: number, channel: number, sequence: number): void {
    this.record(kindSend, atUs, 0, toCore, type, channel, sequence);
  }

  receive(atUs: number, fromCore: number, type: number, channel: number, sequence: number): void {
    this.record(kindReceive, atUs, 0, fromCore, type, channel, sequence);
  }

  /** The names of the (channel, type) pairs recorded, resolved in this thread. */
  private typeNames(): [number, number, string][] {
    const seen = new Map<number, [number, number, string]>();
    for (let i = 0; i < this.count; i++) {
      const channel = this.channels[i]!;
      const type = this.types[i]!;
      const key = channel * 0x10000 + type;
      if (!seen.has(key)) seen.set(key, [channel, type, traceMessageName(type, this.channelNames[channel]!)]);
    }
    return [...seen.values()];
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
      typeNames: this.typeNames(),
    };
  }
}
