// The data a run hands a domain and gets back, on either platform: arguments in, results out.
//
// Arguments (`run`'s `args`, a domain's `ctx.args`) are copied to every core of the domain by
// structured clone (postMessage on the real platform; structuredClone per core in the simulator,
// so that a core that changes its copy changes only its own, as on real cores). They must be
// structured-cloneable, and at most limits.domainArgsBytesMax in that encoding (measured as
// exit-status.ts measures results). `checkRunArgs` runs in the caller's thread before anything
// starts, so that a bad argument is the caller's error, not every core's.
// Results (what main returned, when not an exit status: exit-status.ts) are shown two ways:
// `describeResult`, one line for people (util.inspect), and `resultJson`, a JSON-safe form for
// `--json` output, where JSON has no form of its own: a bigint becomes its decimal string, a Map an
// array of [key, value] pairs, a Set an array; everything else is as JSON.stringify writes it.
import { inspect } from "node:util";
import { domainArgsBytesMax } from "../limits.js";
import { encodedBytesOf } from "../monitor/exit-status.js";

/** Nesting `describeResult` shows before it abbreviates ([Object]). */
const describeDepthMax = 4;

/** Throws a TypeError or RangeError, prefixed with `who`, if `args` cannot be handed to a domain. */
export function checkRunArgs(args: unknown, who: string): void {
  const encoded = encodedBytesOf(args);
  if ("error" in encoded)
    throw new TypeError(
      `${who}: args cannot be handed to the cores (not structured-cloneable: ${encoded.error})`,
    );
  if (encoded.bytes > domainArgsBytesMax)
    throw new RangeError(
      `${who}: args are ${encoded.bytes} bytes encoded, over the ${domainArgsBytesMax} a run may take (limits.domainArgsBytesMax)`,
    );
}

/** A core's result on one line, for people. */
export function describeResult(value: unknown): string {
  return inspect(value, { breakLength: Number.POSITIVE_INFINITY, depth: describeDepthMax });
}

/** A result in a form JSON.stringify writes whole (see the file comment). */
export function resultJson(value: unknown): unknown {
  const text = JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === "bigint") return item.toString();
    if (item instanceof Map) return [...item.entries()];
    if (item instanceof Set) return [...item.values()];
    return item;
  });
  return text === undefined ? null : JSON.parse(text);
}
