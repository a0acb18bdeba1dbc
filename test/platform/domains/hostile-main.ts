// Test domain: main throws, on the highest core it spans, a value whose toString and message throw.
// The core must report the domain failed with a safe description and go on serving other domains.
import type { DomainContext } from "../../../src/index.js";
import { hostileValue } from "./settle-rpc.js";

export async function main(ctx: DomainContext): Promise<number> {
  if (ctx.coreId === ctx.cores[ctx.cores.length - 1]) throw hostileValue();
  return 0;
}
