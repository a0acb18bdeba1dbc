// A domain program for the simulator's tests: core 0 asks the global setTimeout for a timer (which
// must throw in main), and every other core schedules a host callback that throws through
// node:timers directly (which must be caught and reported, not end the simulator).
import { setImmediate as hostImmediate } from "node:timers";
import type { DomainContext } from "../../../src/domain/domain-context.js";

export async function main(ctx: DomainContext): Promise<number> {
  if (ctx.coreId === 0) {
    setTimeout(() => {}, 1);
    return 0;
  }
  hostImmediate(() => {
    throw new Error(`host timer of core ${ctx.coreId} fired`);
  });
  await ctx.sleep(1);
  await ctx.sleep(1);
  return 0;
}
