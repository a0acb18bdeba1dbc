// A domain program for the simulator's tests: core 1 busy-loops for ever in its main's first
// (synchronous) part; the watchdog of program-host.ts must end the run and name core 1.
import type { DomainContext } from "../../../src/domain/domain-context.js";

export function main(ctx: DomainContext): number {
  if (ctx.coreId === 1) for (;;) {}
  return 0;
}
