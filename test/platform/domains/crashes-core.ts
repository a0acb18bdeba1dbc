// Test domain: an error thrown from a timer of its own on the highest core it spans escapes the
// dispatcher. It used to kill the core's worker; now the worker reports it as this domain's failure
// and goes on (real-escaped.test.ts). `crashingMain` also serves exits-core.ts, whose
// process.exit does end the thread. The other cores sleep meanwhile.
import type { DomainContext } from "../../../src/index.js";

export const crashText = "a test domain's error escaped to its core";
/** How long the other cores sleep: longer than the crash takes to be seen. */
const sleepMs = 2_000;
/** Delay of the crash, so that every dispatcher has started. */
const crashDelayMs = 10;

/** Builds a main that crashes the highest core by `crash`. */
export function crashingMain(crash: () => void) {
  return async (ctx: DomainContext): Promise<number> => {
    if (ctx.coreId === ctx.cores[ctx.cores.length - 1]) setTimeout(crash, crashDelayMs);
    await ctx.sleep(sleepMs);
    return 0;
  };
}

export const main = crashingMain(() => {
  throw new Error(crashText);
});
