// Test domain: the highest core exports a "stuck" service whose handler busy-loops for ever, so its
// core stops answering heartbeats; the lowest core binds with no call timeout, calls it and logs how
// the call ended. The call can only end because the failure detector declares the looping core
// failed and this core's dispatcher fails its bindings to it (DomainHost.peerCoreFailed).
import { bindWhenExported, type DomainContext, defineRpc, t } from "../../../src/index.js";

const stuckRpc = defineRpc("test_stuck", {
  spin: { call: [["n", t.u32]], reply: [["n", t.u32]] },
});

/** How long the client waits for the service to be exported. */
const bindTimeoutMs = 10_000;

export async function main(ctx: DomainContext): Promise<number> {
  const server = ctx.cores[ctx.cores.length - 1]!;
  if (ctx.coreId === server) {
    await ctx.export("test-stuck", stuckRpc, {
      spin: (n) => {
        for (;;) if (n < 0) return [n]; // never true: the core's worker never returns
      },
    });
    return 0;
  }
  const client = await bindWhenExported(ctx, "test-stuck", stuckRpc, bindTimeoutMs, {
    callTimeoutMs: Number.POSITIVE_INFINITY,
  });
  try {
    await client.spin(1);
    ctx.log("call answered");
  } catch (error) {
    ctx.log(`call rejected: ${error instanceof Error ? error.message : String(error)}`);
  }
  return 0;
}
