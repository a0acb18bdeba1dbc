// Test domain: main returns 0 on the first core it spans and never returns on the others (it awaits
// a promise nothing settles), so that a run of it ends only by its bound.
import type { DomainContext } from "../../../src/index.js";

export async function main(ctx: DomainContext): Promise<number> {
  if (ctx.coreId === ctx.cores[0]) return 0;
  ctx.log(`core ${ctx.coreId}: waiting for ever`);
  await new Promise<never>(() => {});
  return 0;
}
