// The merge of every core's trace buffer (core-trace.ts) into one Chrome Trace Event JSON document
// that Perfetto imports whole: every slice, every arrow.
//
// The rules Perfetto's JSON importer sets, and how this file keeps them:
//   - A flow id must be a number: a string is read as hexadecimal, and "mesh 0->1#3" is dropped.
//     Here the id is channelIndex * 2^32 + sequence, where channelIndex numbers every channel
//     direction of the run (its name sorted among all cores' names) and sequence is the message's
//     index on it; both stay far below 2^53, so the id is an exact JSON integer, unique in the file.
//   - A flow begins ('s') inside the slice open on the sender's track, and ends ('f', "bp":"e")
//     inside the receiver's handler slice; an event with no enclosing slice is dropped. So each flow
//     event is placed strictly inside its slice (one nanosecond in from either edge, where the slice
//     is long enough). A send made outside every handler (boot's first messages, a domain's code
//     after an await) gets a slice of its own, "send interface.message", two nanoseconds long.
//   - Every end needs its start. A flow is written only when both ends were traced and carry the
//     same message type (a message sent before its sender recorded, or still in the ring when the
//     run ended, gets no arrow). A broadcast is one start and one end per reader.
//   - Slices are named "interface.message" (each core named its types, in its own thread).
// Times are integer nanoseconds from the earliest event, written as microseconds with three
// decimals; a slice's end is rounded on its own, so slices that followed each other still do.
import { type CoreTraceData, kindReceive, kindSend, kindSlice } from "./core-trace.js";

/** A flow id is channelIndex * flowSequenceSpan + sequence. */
const flowSequenceSpan = 2 ** 32;
/** Channel directions a run may have, so that every flow id stays an exact integer below 2^53. */
const flowChannelsMax = 2 ** 20;
/** How far inside its slice a flow event is placed, and half the length of a send's own slice. */
const insideNs = 1;

interface Slice {
  readonly startNs: number;
  readonly durNs: number;
  readonly name: string;
  readonly cat: "handler" | "send";
  readonly argsJson: string;
}

interface Flow {
  readonly atNs: number;
  readonly phase: "s" | "f";
  readonly id: number;
  /** The message's name, for a send that needs a slice of its own. */
  readonly name: string;
}

/** The ids of every flow, and which ones have both ends traced with the same type. */
interface FlowIndex {
  readonly channelIndex: ReadonlyMap<string, number>;
  readonly sendTypes: ReadonlyMap<number, number>;
  readonly matched: ReadonlySet<number>;
}

function flowId(index: FlowIndex, trace: CoreTraceData, i: number): number {
  const sequence = trace.sequences[i]!;
  if (!(sequence < flowSequenceSpan))
    throw new Error(`trace: core ${trace.core} sent over 2^32 messages on one channel`);
  return index.channelIndex.get(trace.channelNames[trace.channels[i]!]!)! * flowSequenceSpan + sequence;
}

function indexFlows(traces: readonly CoreTraceData[]): FlowIndex {
  const names = [...new Set(traces.flatMap((t) => t.channelNames))].sort();
  if (names.length > flowChannelsMax)
    throw new Error(`trace: ${names.length} channel directions, over ${flowChannelsMax}`);
  const index = {
    channelIndex: new Map(names.map((n, i) => [n, i])),
    sendTypes: new Map<number, number>(),
    matched: new Set<number>(),
  };
  for (const trace of traces)
    for (let i = 0; i < trace.count; i++)
      if (trace.kinds[i] === kindSend) index.sendTypes.set(flowId(index, trace, i), trace.types[i]!);
  for (const trace of traces) {
    for (let i = 0; i < trace.count; i++) {
      if (trace.kinds[i] !== kindReceive) continue;
      const id = flowId(index, trace, i);
      if (index.sendTypes.get(id) === trace.types[i]) index.matched.add(id);
    }
  }
  return index;
}

/** One core's slices and matched flow events, in integer nanoseconds from `originUs`. */
function coreEvents(
  trace: CoreTraceData,
  index: FlowIndex,
  originUs: number,
): { slices: Slice[]; flows: Flow[] } {
  const names = new Map(trace.typeNames.map(([channel, type, name]) => [channel * 0x10000 + type, name]));
  const nameOf = (i: number) => names.get(trace.channels[i]! * 0x10000 + trace.types[i]!) ?? "unnamed";
  const ns = (us: number) => Math.round((us - originUs) * 1000);
  const slices: Slice[] = [];
  const flows: Flow[] = [];
  for (let i = 0; i < trace.count; i++) {
    const kind = trace.kinds[i];
    const startNs = ns(trace.startUs[i]!);
    if (kind === kindSlice) {
      const durNs = Math.max(0, ns(trace.startUs[i]! + trace.durationUs[i]!) - startNs);
      slices.push({
        startNs,
        durNs,
        name: nameOf(i),
        cat: "handler",
        argsJson: `{"from":${trace.peers[i]}}`,
      });
      continue;
    }
    const id = flowId(index, trace, i);
    if (kind === kindSend && index.matched.has(id))
      flows.push({ atNs: startNs, phase: "s", id, name: nameOf(i) });
    if (kind === kindReceive && index.sendTypes.get(id) === trace.types[i])
      flows.push({ atNs: startNs, phase: "f", id, name: nameOf(i) });
  }
  slices.sort((a, b) => a.startNs - b.startNs || b.durNs - a.durNs);
  flows.sort((a, b) => a.atNs - b.atNs);
  return { slices, flows };
}

/** The index of the last slice starting at or before `atNs`, or -1. */
function lastStartingBy(slices: readonly Slice[], atNs: number): number {
  let lo = 0;
  let hi = slices.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (slices[mid]!.startNs <= atNs) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The slice that encloses `atNs` (the innermost, where slices nest), or undefined. */
function enclosing(slices: readonly Slice[], atNs: number): Slice | undefined {
  for (let i = lastStartingBy(slices, atNs); i >= 0; i--) {
    const s = slices[i]!;
    if (atNs <= s.startNs + s.durNs) return s;
  }
  return undefined;
}

/** `atNs` moved strictly inside `slice`, where it is long enough to have an inside. */
function inside(slice: Slice, atNs: number): number {
  if (slice.durNs < 2 * insideNs) return slice.startNs;
  return Math.min(Math.max(atNs, slice.startNs + insideNs), slice.startNs + slice.durNs - insideNs);
}

/**
 * Places each flow event inside a slice: its own handler's, or for a send outside every handler a
 * short slice of its own (shared with a send just before it, or the next handler's when that
 * starts sooner than such a slice would end). Returns the slices to add and the placed events.
 */
function placeFlows(slices: readonly Slice[], flows: readonly Flow[]): { added: Slice[]; placed: Flow[] } {
  const added: Slice[] = [];
  const placed: Flow[] = [];
  for (const flow of flows) {
    let home = enclosing(slices, flow.atNs);
    const last = added[added.length - 1];
    if (home === undefined && last !== undefined && flow.atNs <= last.startNs + last.durNs) home = last;
    if (home === undefined) {
      const next = slices[lastStartingBy(slices, flow.atNs) + 1];
      if (next !== undefined && next.startNs - flow.atNs < 2 * insideNs) home = next;
    }
    if (home === undefined) {
      home = {
        startNs: flow.atNs,
        durNs: 2 * insideNs,
        name: `send ${flow.name}`,
        cat: "send",
        argsJson: "{}",
      };
      added.push(home);
    }
    placed.push({ ...flow, atNs: inside(home, flow.atNs) });
  }
  return { added, placed };
}

function us(ns: number): string {
  return (ns / 1000).toFixed(3);
}

/** One core's events as JSON lines: its track's names, then slices and flows in time order. */
function coreJson(trace: CoreTraceData, index: FlowIndex, originUs: number): string[] {
  const tid = trace.core;
  const lines = [
    `{"name":"thread_name","ph":"M","ts":0,"pid":0,"tid":${tid},"args":{"name":"core ${tid}"}}`,
    `{"name":"thread_sort_index","ph":"M","ts":0,"pid":0,"tid":${tid},"args":{"sort_index":${tid}}}`,
  ];
  if (trace.dropped > 0)
    lines.push(
      `{"name":"trace_truncated","ph":"M","ts":0,"pid":0,"tid":${tid},"args":{"eventsDropped":${trace.dropped}}}`,
    );
  const { slices, flows } = coreEvents(trace, index, originUs);
  const { added, placed } = placeFlows(slices, flows);
  const timed: [number, number, string][] = [];
  for (const s of [...slices, ...added]) {
    const name = JSON.stringify(s.name);
    const json = `{"name":${name},"cat":"${s.cat}","ph":"X","pid":0,"tid":${tid},"ts":${us(s.startNs)},"dur":${us(s.durNs)},"args":${s.argsJson}}`;
    timed.push([s.startNs, -s.durNs, json]);
  }
  for (const f of placed) {
    const phase = f.phase === "s" ? `"ph":"s"` : `"ph":"f","bp":"e"`;
    timed.push([
      f.atNs,
      1,
      `{"name":"msg","cat":"msg",${phase},"pid":0,"tid":${tid},"ts":${us(f.atNs)},"id":${f.id}}`,
    ]);
  }
  timed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [, , json] of timed) lines.push(json);
  return lines;
}

/** Merges every core's buffer into one Chrome Trace Event JSON document. */
export function mergeCoreTraces(traces: readonly CoreTraceData[]): string {
  let originUs = Number.POSITIVE_INFINITY;
  for (const trace of traces)
    for (let i = 0; i < trace.count; i++) originUs = Math.min(originUs, trace.startUs[i]!);
  if (!Number.isFinite(originUs)) originUs = 0;
  const index = indexFlows(traces);
  const events = [
    `{"name":"process_name","ph":"M","ts":0,"pid":0,"tid":0,"args":{"name":"multikernel (real cores)"}}`,
  ];
  for (const trace of [...traces].sort((a, b) => a.core - b.core))
    events.push(...coreJson(trace, index, originUs));
  return `{"traceEvents":[\n${events.join(",\n")}\n],"displayTimeUnit":"ns"}\n`;
}
