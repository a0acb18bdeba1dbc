// The guard the simulator puts around simulated code: the simulator owns time and the process.
//
// While a simulation runs, the host's process and timers are out of the simulated code's reach:
//   - process.exit and process.abort throw a HostEscapeError in the code that called them (a
//     domain's main then fails with it, as with any throw) instead of ending the simulator;
//   - the global setTimeout, setInterval and setImmediate throw the same way: simulated code keeps
//     time through its context (ctx.sleep, env.setTimer), in virtual time;
//   - an exception or promise rejection that escapes anyway (code that imported node:timers
//     directly, a callback the host runs later) is caught and kept as an escape, which the runner
//     reports as a violation of the run instead of letting it end the process.
// The guard is installed once however many runs nest, and everything is restored when the last
// run ends. The simulator's own macrotask (`hostSetImmediate`) is taken before any guard exists.
// What it cannot stop: a synchronous busy loop holds the thread, and only a watchdog on another
// thread can end it (program-host.ts).

/** The host's timers, kept for the simulator's own use while the guard is on. */
export const hostSetImmediate: typeof setImmediate = globalThis.setImmediate;
export const hostSetInterval: typeof setInterval = globalThis.setInterval;
export const hostClearInterval: typeof clearInterval = globalThis.clearInterval;

/** Simulated code reached for the host's process or timers. */
export class HostEscapeError extends Error {
  constructor(what: string) {
    const hint = what.startsWith("process.")
      ? "the simulator owns the process (return a status from main instead)"
      : "the simulator owns time (use the context's timers: ctx.sleep)";
    super(`simulated code called ${what}: ${hint}`);
    this.name = "HostEscapeError";
  }
}

interface Saved {
  readonly exit: typeof process.exit;
  readonly abort: typeof process.abort;
  readonly setTimeout: typeof setTimeout;
  readonly setInterval: typeof setInterval;
  readonly setImmediate: typeof setImmediate;
}

let depth = 0;
let saved: Saved | undefined;
/** What escaped the guard during the runs now in progress (each run takes its own copy). */
const escapes: string[] = [];

const describe = (value: unknown): string => {
  try {
    return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
  } catch {
    return "a value that cannot be printed";
  }
};
const onUncaught = (error: unknown): void => {
  escapes.push(`uncaught exception from simulated code: ${describe(error)}`);
};
const onUnhandled = (reason: unknown): void => {
  escapes.push(`unhandled promise rejection from simulated code: ${describe(reason)}`);
};

function refuse(what: string): () => never {
  return () => {
    throw new HostEscapeError(what);
  };
}

function install(): void {
  const host = globalThis as unknown as Record<string, unknown>;
  saved = {
    exit: process.exit,
    abort: process.abort,
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    setImmediate: globalThis.setImmediate,
  };
  process.exit = refuse("process.exit");
  process.abort = refuse("process.abort");
  host.setTimeout = refuse("setTimeout");
  host.setInterval = refuse("setInterval");
  host.setImmediate = refuse("setImmediate");
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUnhandled);
}

function restore(): void {
  if (saved === undefined) return;
  const host = globalThis as unknown as Record<string, unknown>;
  process.exit = saved.exit;
  process.abort = saved.abort;
  host.setTimeout = saved.setTimeout;
  host.setInterval = saved.setInterval;
  host.setImmediate = saved.setImmediate;
  process.off("uncaughtException", onUncaught);
  process.off("unhandledRejection", onUnhandled);
  saved = undefined;
}

/** One run's hold on the guard: `escapes()` is what escaped since it began; `release()` ends it. */
export interface HostGuard {
  escapes(): readonly string[];
  release(): void;
}

/** Installs the guard (or joins the one installed) for one simulated run. */
export function guardHost(): HostGuard {
  if (depth === 0) install();
  depth++;
  const from = escapes.length;
  let released = false;
  return {
    escapes: () => escapes.slice(from),
    release() {
      if (released) return;
      released = true;
      depth--;
      if (depth === 0) {
        restore();
        escapes.length = 0;
      }
    },
  };
}
