// Test domain: busy for `busyForMs` without returning to its core's loop (a long synchronous
// computation), then returns 0: a core busy for less than the failure detector's detection time.
import type { DomainContext } from "../../../src/index.js";

/** How long main keeps its core's thread, in ms: well below the detection time its test sets. */
export const busyForMs = 1_000;

export function main(ctx: DomainContext): number {
  const startNs = ctx.nowNs();
  let spins = 0;
  while (ctx.nowNs() - startNs < busyForMs * 1e6) spins++;
  ctx.log(`core ${ctx.coreId}: busy for ${busyForMs} ms (${spins} spins), done`);
  return 0;
}
