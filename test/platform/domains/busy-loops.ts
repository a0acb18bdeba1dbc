// Test domain: a synchronous loop that never ends, on every core it spans. Its core's worker thread
// never returns to the CPU driver's loop: the core stops answering heartbeats, and only the other
// cores' failure detectors (src/monitor/liveness.ts) or a run's bound can end the run.
import type { DomainContext } from "../../../src/index.js";

export function main(ctx: DomainContext): number {
  ctx.log(`core ${ctx.coreId}: looping for ever`);
  const counter = { spins: 0 };
  for (;;) counter.spins++;
}
