// Test domain: outlives any test (it sleeps for minutes, in short sleeps), so that a system is shut
// down while it still runs.
import type { DomainContext } from "../../../src/index.js";

/** One sleep of the domain. */
const sleepMs = 50;
/** Sleeps before it gives up and returns: ten minutes' worth, more than any test waits. */
const sleepsMax = 12_000;

export async function main(ctx: DomainContext): Promise<number> {
  for (let i = 0; i < sleepsMax; i++) await ctx.sleep(sleepMs);
  return 0;
}
