// The rules a trace must keep for Perfetto's JSON importer to take all of it (its slices and its
// arrows), checked on a parsed Chrome Trace Event document. Returns every broken rule, each naming
// the event; an empty list means the trace imports whole.
//   - The document is an object with a traceEvents array; every event has ph, ts, pid and tid.
//   - Flow ids are numbers (Perfetto reads a string id as hexadecimal and drops what does not parse).
//   - Every flow end ('f') has a start ('s') with the same id and category before it in time.
//   - Slices: 'X' events have a non-negative dur; 'B'/'E' pairs balance on each thread.
//   - Flow events lie inside a slice of their own thread (else Perfetto drops them).
//   - Slice names say what ran (no bare "message 0x…" and no unresolved "unnamed type 0x…").

/** Violations reported at most, so that a badly broken trace still gives a readable failure. */
const violationsMax = 20;

interface TraceEvent {
  readonly ph?: unknown;
  readonly ts?: unknown;
  readonly pid?: unknown;
  readonly tid?: unknown;
  readonly id?: unknown;
  readonly cat?: unknown;
  readonly name?: unknown;
  readonly dur?: unknown;
}

/** One thread's complete slices, as [start, end] in microseconds. */
type Intervals = [number, number][];

function threadKey(e: TraceEvent): string {
  return `${String(e.pid)}/${String(e.tid)}`;
}

function checkEvents(events: readonly TraceEvent[], fail: (what: string) => void): Map<string, Intervals> {
  const slices = new Map<string, Intervals>();
  const open = new Map<string, number>();
  for (const [i, e] of events.entries()) {
    for (const field of ["ph", "ts", "pid", "tid"] as const)
      if (e[field] === undefined) fail(`event ${i} (${JSON.stringify(e)}) has no ${field}`);
    if (e.ph === "X") {
      if (typeof e.dur !== "number" || e.dur < 0)
        fail(`slice ${i} "${String(e.name)}" has dur ${String(e.dur)}`);
      const start = Number(e.ts);
      const list = slices.get(threadKey(e)) ?? [];
      list.push([start, start + Number(e.dur)]);
      slices.set(threadKey(e), list);
    }
    if (e.ph === "B") open.set(threadKey(e), (open.get(threadKey(e)) ?? 0) + 1);
    if (e.ph === "E") {
      const depth = (open.get(threadKey(e)) ?? 0) - 1;
      if (depth < 0) fail(`event ${i}: an 'E' with no 'B' open on thread ${threadKey(e)}`);
      open.set(threadKey(e), depth);
    }
    const name = String(e.name);
    if ((e.ph === "X" || e.ph === "B") && /^(message 0x|unnamed type 0x)/.test(name))
      fail(`slice ${i} is named "${name}", not by interface and message`);
  }
  for (const [thread, depth] of open) if (depth !== 0) fail(`thread ${thread}: ${depth} 'B' never ended`);
  return slices;
}

function checkFlows(
  events: readonly TraceEvent[],
  slices: Map<string, Intervals>,
  fail: (what: string) => void,
): void {
  const starts = new Map<string, number>();
  for (const e of events) {
    if (e.ph !== "s" && e.ph !== "f" && e.ph !== "t") continue;
    if (typeof e.id !== "number" || !Number.isSafeInteger(e.id))
      fail(`flow id ${JSON.stringify(e.id)} is not an integer`);
    const at = Number(e.ts);
    const inside = (slices.get(threadKey(e)) ?? []).some(([start, end]) => start <= at && at <= end);
    if (!inside) fail(`flow '${String(e.ph)}' ${String(e.id)} at ${at} on ${threadKey(e)} is in no slice`);
    if (e.ph === "s") starts.set(`${String(e.cat)}#${String(e.id)}`, at);
  }
  for (const e of events) {
    if (e.ph !== "f") continue;
    const start = starts.get(`${String(e.cat)}#${String(e.id)}`);
    if (start === undefined) fail(`flow end ${String(e.id)} (${String(e.cat)}) has no start`);
    else if (start > Number(e.ts))
      fail(`flow ${String(e.id)} ends at ${String(e.ts)}, before it starts (${start})`);
  }
}

/** Every rule the trace breaks (at most violationsMax), given its JSON text. */
export function traceViolations(text: string): string[] {
  const violations: string[] = [];
  const fail = (what: string) => {
    if (violations.length < violationsMax) violations.push(what);
  };
  const document = JSON.parse(text) as { traceEvents?: unknown };
  if (!Array.isArray(document.traceEvents)) return ["the document has no traceEvents array"];
  const events = document.traceEvents as TraceEvent[];
  checkFlows(events, checkEvents(events, fail), fail);
  return violations;
}

/** How many events of phase `ph` the trace has. */
export function countPhase(text: string, ph: string): number {
  const events = (JSON.parse(text) as { traceEvents: TraceEvent[] }).traceEvents;
  return events.filter((e) => e.ph === ph).length;
}
