// Test domain for traces: the lowest core exports a "trace_echo" service and every other core binds
// to it and makes a few calls, so that a trace of the run holds monitor messages (boot, binding,
// spawning) and a domain's own rpc messages on a channel of its own.
import { bindWhenExported, type DomainContext, defineRpc, t } from "../../../src/index.js";

export const traceEchoRpc = defineRpc("trace_echo", {
  echo: { call: [["value", t.u32]], reply: [["doubled", t.u32]] },
});

/** Calls each client makes: enough for a few arrows each way, few enough to stay quick. */
const callsPerClient = 8;
/** How long a client waits for the service to be exported. */
const bindTimeoutMs = 10_000;

export async function main(ctx: DomainContext): Promise<number> {
  const server = ctx.cores[0]!;
  if (ctx.coreId === server) {
    await ctx.export("trace-echo", traceEchoRpc, { echo: (value) => [value * 2] });
    return 0;
  }
  const client = await bindWhenExported(ctx, "trace-echo", traceEchoRpc, bindTimeoutMs);
  for (let i = 0; i < callsPerClient; i++) {
    const [doubled] = await client.echo(i);
    if (doubled !== i * 2) throw new Error(`call ${i}: got ${doubled}`);
  }
  client.close();
  return 0;
}
