// Test domain: channel frames come back. The lowest core exports "test-rebinds"; every other core
// binds, calls and closes 3 × channelsPerCoreMax times, more bindings than its share of channel
// frames, so that from the 65th on each binding runs over a reused frame. Every other binding
// closes with a reply still on its way, left unread in its frame; a reply that reaches the wrong
// binding (a stale message in a reused frame) or a bind refused for want of frames fails the domain.
import { bindWhenExported, type DomainContext, defineRpc, t } from "../../../src/index.js";
import { channelsPerCoreMax } from "../../../src/limits.js";

export const rebindRpc = defineRpc("test_rebind", {
  echo: { call: [["value", t.u32]], reply: [["value", t.u32]] },
});

export const serviceName = "test-rebinds";
/** Bindings each client makes, one after another. */
export const bindingsPerClient = 3 * channelsPerCoreMax;
/** How long a client waits for the service to be exported. */
const bindTimeoutMs = 10_000;

export async function main(ctx: DomainContext): Promise<number> {
  if (ctx.coreId === ctx.cores[0]) {
    await ctx.export(serviceName, rebindRpc, { echo: (value) => [value] });
    return 0;
  }
  let client = await bindWhenExported(ctx, serviceName, rebindRpc, bindTimeoutMs);
  for (let i = 0; i < bindingsPerClient; i++) {
    if (i > 0) client = await ctx.bind(serviceName, rebindRpc);
    const [value] = await client.echo(i);
    if (value !== i) throw new Error(`binding ${i}: its call was answered ${value}`);
    if (i % 2 === 1) client.echo(i + 1).catch(() => {});
    client.close();
  }
  ctx.log(`${bindingsPerClient} bindings made and closed`);
  return 0;
}
