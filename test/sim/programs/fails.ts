// A domain program for the simulator's tests: core 1's main throws, core 2's returns 3, the
// others return 0. `sim --program` must fail the run and name each failing core.
import type { DomainContext } from "../../../src/domain/domain-context.js";

export async function main(ctx: DomainContext): Promise<number> {
  await ctx.sleep(1);
  if (ctx.coreId === 1) throw new Error("planted failure on core 1");
  return ctx.coreId === 2 ? 3 : 0;
}
