// Test domain: exports a service under a fixed name from its first core, says it is waiting on
// every core, and waits for ever (awaits a promise nothing settles), so that a run of it ends only
// by its bound, its signal, or its core's failure. A second run of it can export the name only if
// the first one's domain was given up (abandoned) and its name freed.
import { type DomainContext, defineRpc, t } from "../../../src/index.js";

export const waitingName = "test-waiting";
const waitingRpc = defineRpc("test_waiting", { get: { call: [], reply: [["core", t.u16]] } });

export async function main(ctx: DomainContext): Promise<number> {
  if (ctx.coreId === ctx.cores[0]) await ctx.export(waitingName, waitingRpc, { get: () => [ctx.coreId] });
  ctx.log(`domain ${ctx.domainId} core ${ctx.coreId}: waiting`);
  await new Promise<never>(() => {});
  return 0;
}
