// A domain program for the simulator's tests: every core calls process.exit(7), which must fail
// its main instead of ending the simulator.
import type { DomainContext } from "../../../src/domain/domain-context.js";

export async function main(ctx: DomainContext): Promise<number> {
  await ctx.sleep(1);
  process.exit(7);
}
