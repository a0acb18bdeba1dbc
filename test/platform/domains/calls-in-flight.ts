// A test domain for the CPU driver on real cores: the first core serves `slow`, whose handler
// answers after a short ctx.sleep (so that its core has a timer and nothing in flight: it sleeps),
// and `echo`; every other core calls both, sequentially and pipelined, and checks every answer
// (so that its core has calls in flight while the server sleeps: it must keep polling).
import { bindWhenExported, type DomainContext, defineRpc, t } from "../../../src/index.js";

const calls = defineRpc("test_calls_in_flight", {
  slow: { call: [["x", t.u32]], reply: [["y", t.u32]] },
  echo: { call: [["x", t.u32]], reply: [["y", t.u32]] },
});

/** Calls of each kind each client makes. */
export const slowCalls = 20;
export const echoCalls = 2_000;
/** How long the server holds each slow call. */
const slowReplyMs = 2;
/** Calls each client keeps in flight in the pipelined part. */
const lanes = 32;
const bindTimeoutMs = 10_000;

export async function main(ctx: DomainContext): Promise<number> {
  const server = ctx.cores[0]!;
  if (ctx.coreId === server) {
    await ctx.export("calls-in-flight", calls, {
      slow: async (x) => {
        await ctx.sleep(slowReplyMs);
        return [x + 1];
      },
      echo: (x) => [x + 1],
    });
    return 0;
  }
  const client = await bindWhenExported(ctx, "calls-in-flight", calls, bindTimeoutMs);
  for (let i = 0; i < slowCalls; i++) {
    const [y] = await client.slow(i);
    if (y !== i + 1) throw new Error(`slow(${i}) answered ${y}`);
  }
  for (let i = 0; i < echoCalls; i++) {
    const [y] = await client.echo(i);
    if (y !== i + 1) throw new Error(`echo(${i}) answered ${y}`);
  }
  let next = 0;
  const lane = async () => {
    while (next < echoCalls) {
      const x = next++;
      const [y] = await client.echo(x);
      if (y !== x + 1) throw new Error(`echo(${x}) answered ${y}`);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  client.close();
  return 0;
}
