// Exit statuses: what a domain's main may resolve to, and how anything else is refused.
//
// A process's exit status is one byte: Node (and the shell) keep only `status & 0xff`, so a main
// that returned 256 would exit 0 and read as a success, and 300 would exit 44. A status is
// therefore an integer in [0, exitStatusMax]; `undefined` means 0. Anything else — a number out of
// range, a fraction, NaN, a string, an object — is refused: the dispatcher is reported failed with
// status 1 and an error naming the value, never passed on truncated.

/** The largest exit status: one byte, as a process exit code. */
export const exitStatusMax = 255;
/** The status a refused value or a thrown error reports. */
export const exitStatusFailed = 1;

/** How a dispatcher's main ended, as the spawn module reports it. */
export interface ExitOutcome {
  readonly status: number;
  /** Why main failed; "" when it returned a valid status. */
  readonly error: string;
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

/** The outcome of a main that resolved to `result`: its status, or a refusal naming the value. */
export function exitOutcomeOf(result: unknown): ExitOutcome {
  if (result === undefined) return { status: 0, error: "" };
  if (isExitStatus(result)) return { status: result, error: "" };
  return {
    status: exitStatusFailed,
    error: `main resolved to ${describe(result)}, not an exit status (an integer in 0–${exitStatusMax})`,
  };
}
