// Test domain: main throws on the highest core it spans and returns 0 on every other core.
import type { DomainContext } from "../../../src/index.js";

export const failureText = "deliberate failure of a test domain";

export async function main(ctx: DomainContext): Promise<number> {
  if (ctx.coreId === ctx.cores[ctx.cores.length - 1]) throw new Error(`${failureText} on core ${ctx.coreId}`);
  return 0;
}
