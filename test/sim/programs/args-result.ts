// A domain program for the simulator's tests: hands back, on every core, its core and its
// arguments (ctx.args), after changing its own copy of them, which no other core may see.
import type { DomainContext } from "../../../src/domain/domain-context.js";

export async function main(ctx: DomainContext): Promise<{ core: number; args: unknown }> {
  await ctx.sleep(1);
  const result = { core: ctx.coreId, args: structuredClone(ctx.args) };
  if (Array.isArray(ctx.args)) ctx.args.push(`changed on core ${ctx.coreId}`);
  return result;
}
