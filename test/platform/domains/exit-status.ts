// Test domain: prints a line and returns exit status 3 on the highest core it spans, 0 elsewhere.
import type { DomainContext } from "../../../src/index.js";

export const exitStatus = 3;

export function main(ctx: DomainContext): number {
  ctx.log(`hello from core ${ctx.coreId}`);
  return ctx.coreId === ctx.cores[ctx.cores.length - 1] ? exitStatus : 0;
}
