// Test domain: the lowest core exports an "echo" service, every other core binds to it through the
// monitors (retrying, bounded, while the name service does not know it yet) and makes many calls,
// checking every reply. A wrong reply throws, so the domain's exit status says whether all were right.
import { bindWhenExported, type DomainContext, defineRpc, t } from "../../../src/index.js";

export const echoRpc = defineRpc("test_echo", {
  echo: {
    call: [
      ["value", t.u32],
      ["text", t.string(32)],
    ],
    reply: [
      ["doubled", t.u32],
      ["text", t.string(32)],
      ["fromCore", t.u16],
    ],
  },
});

/** Calls each client makes. */
export const callsPerClient = 2_000;
/** How long a client waits for the service to be exported. */
const bindTimeoutMs = 10_000;

export async function main(ctx: DomainContext): Promise<number> {
  const server = ctx.cores[0]!;
  if (ctx.coreId === server) {
    await ctx.export("test-echo", echoRpc, {
      echo: (value, text) => [value * 2, text.toUpperCase(), ctx.coreId],
    });
    return 0;
  }
  const client = await bindWhenExported(ctx, "test-echo", echoRpc, bindTimeoutMs);
  for (let i = 0; i < callsPerClient; i++) {
    const [doubled, text, fromCore] = await client.echo(i, `call ${i}`);
    if (doubled !== i * 2 || text !== `CALL ${i}` || fromCore !== server) {
      throw new Error(`call ${i}: got (${doubled}, ${text}, ${fromCore})`);
    }
  }
  client.close();
  ctx.log(`${callsPerClient} calls answered`);
  return 0;
}
