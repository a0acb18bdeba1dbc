// Test domain: hands back, on every core, its core and the arguments it was given (ctx.args), and
// changes its own copy of them, which no other core may see.
import type { DomainContext } from "../../../src/index.js";

export function main(ctx: DomainContext): { core: number; args: unknown } {
  const result = { core: ctx.coreId, args: structuredClone(ctx.args) };
  if (Array.isArray(ctx.args)) ctx.args.push(`changed on core ${ctx.coreId}`);
  return result;
}
