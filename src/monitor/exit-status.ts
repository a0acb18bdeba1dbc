// What a domain's main may resolve to: an exit status, or a result handed back to the caller.
//
// A process's exit status is one byte: Node (and the shell) keep only `status & 0xff`, so a main
// that returned 256 would exit 0 and read as a success, and 300 would exit 44. So:
//   - `undefined` (main returned nothing): status 0, no result;
//   - a number: it is an exit status, and must be an integer in [0, exitStatusMax]; any other
//     number (256, -1, 1.5, NaN) is refused: status 1 and an error naming it, never truncated;
//   - anything else (an object, an array, a string, a boolean, null, a bigint, a Map, …): the
//     core's result, with status 0. It must be structured-cloneable (it travels to the caller by
//     postMessage) and at most domainResultBytesMax in that encoding; a value that is not (it holds
//     a function, a symbol, a SharedArrayBuffer) or is bigger is refused with status 1 and an error
//     saying why. A number is never a result: return `{ n: 3 }` to hand back the number 3.
// The encoding is measured with v8.serialize, the structured-clone format postMessage uses: a pure
// function of the value, the same on every platform (the simulator checks results the same way).
import { serialize } from "node:v8";
import { domainResultBytesMax } from "../limits.js";

/** The largest exit status: one byte, as a process exit code. */
export const exitStatusMax = 255;
/** The status a refused value or a thrown error reports. */
export const exitStatusFailed = 1;
/** Characters of a refused value's clone error quoted in the error (it may quote a function's source). */
const cloneErrorCharsMax = 120;

/** How a dispatcher's main ended, as the spawn module reports it. */
export interface ExitOutcome {
  readonly status: number;
  /** Why main failed; "" when it returned a valid status or result. */
  readonly error: string;
  /** What main returned, when it is a result (not a status, not undefined); absent otherwise. */
  readonly value?: unknown;
}

/** Whether `value` is a valid exit status (an integer in 0–255). */
export function isExitStatus(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= exitStatusMax;
}

/** Describes a value briefly for an error message, never calling the value's own methods. */
function describe(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (typeof value === "string") return `'${value.length > 32 ? `${value.slice(0, 32)}…` : value}'`;
  if (value === null) return "null";
  return `a value of type ${typeof value}`;
}

/** The size of `value` in the structured-clone encoding, or why it has none. */
export function encodedBytesOf(value: unknown): { readonly bytes: number } | { readonly error: string } {
  try {
    return { bytes: serialize(value).byteLength };
  } catch (thrown) {
    const message = thrown instanceof Error ? thrown.message : "it cannot be serialized";
    const quoted = message.length > cloneErrorCharsMax ? `${message.slice(0, cloneErrorCharsMax)}…` : message;
    return { error: quoted };
  }
}

/** The outcome of a main that resolved to `result`: its status, its result, or a refusal naming why. */
export function exitOutcomeOf(result: unknown): ExitOutcome {
  if (result === undefined) return { status: 0, error: "" };
  if (typeof result === "number") {
    if (isExitStatus(result)) return { status: result, error: "" };
    return {
      status: exitStatusFailed,
      error: `main resolved to ${describe(result)}, not an exit status (an integer in 0–${exitStatusMax})`,
    };
  }
  const encoded = encodedBytesOf(result);
  if ("error" in encoded) {
    return {
      status: exitStatusFailed,
      error: `main resolved to ${describe(result)} that cannot be handed back (not structured-cloneable: ${encoded.error})`,
    };
  }
  if (encoded.bytes > domainResultBytesMax) {
    return {
      status: exitStatusFailed,
      error: `main resolved to ${describe(result)} of ${encoded.bytes} bytes encoded, over the ${domainResultBytesMax} a result may take (limits.domainResultBytesMax)`,
    };
  }
  return { status: 0, error: "", value: result };
}
