// Test domain: binds to a service nobody exports; the bind's error is left to end main, so that the
// domain's exit carries its text.
import { type DomainContext, defineRpc, t } from "../../../src/index.js";

const nobodyRpc = defineRpc("test_nobody", { ask: { call: [], reply: [["answer", t.u32]] } });

export async function main(ctx: DomainContext): Promise<number> {
  await ctx.bind("test-no-such-service", nobodyRpc);
  return 0;
}
