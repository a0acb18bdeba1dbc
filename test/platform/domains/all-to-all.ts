// Test domain: every core exports a service of its own, binds to every other core's, and calls each
// of them, checking that each reply comes from the core it asked. Run on more cores than CPUs, it
// makes every pair of cores talk while the OS shares the CPUs among them.
import { bindWhenExported, type DomainContext, defineRpc, t } from "../../../src/index.js";

export const whoRpc = defineRpc("test_who", {
  who: {
    call: [["asker", t.u16]],
    reply: [
      ["answerer", t.u16],
      ["asker", t.u16],
    ],
  },
});

/** Calls each core makes to each other core. */
export const callsPerPair = 200;
/** How long a core waits for another core's service to be exported. */
const bindTimeoutMs = 20_000;

export async function main(ctx: DomainContext): Promise<number> {
  await ctx.export(`test-who-${ctx.coreId}`, whoRpc, { who: (asker) => [ctx.coreId, asker] });
  const peers = ctx.cores.filter((core) => core !== ctx.coreId);
  const clients = await Promise.all(
    peers.map((peer) => bindWhenExported(ctx, `test-who-${peer}`, whoRpc, bindTimeoutMs)),
  );
  for (let i = 0; i < callsPerPair; i++) {
    const replies = await Promise.all(clients.map((client) => client.who(ctx.coreId)));
    for (const [p, [answerer, asker]] of replies.entries()) {
      if (answerer !== peers[p] || asker !== ctx.coreId)
        throw new Error(`call ${i} to core ${peers[p]}: answered by ${answerer} for ${asker}`);
    }
  }
  for (const client of clients) client.close();
  return 0;
}
