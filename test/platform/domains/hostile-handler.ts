// Test domain: a handler that throws a value whose toString and message throw. The lowest core
// serves; every other core calls and must get an RpcError describing the value, not a hang.
import { bindWhenExported, type DomainContext, RpcError } from "../../../src/index.js";
import { hostileValue, settleRpc } from "./settle-rpc.js";

const serviceName = "test-hostile-handler";
const bindTimeoutMs = 10_000;

export async function main(ctx: DomainContext): Promise<number> {
  if (ctx.coreId === ctx.cores[0]) {
    await ctx.export(serviceName, settleRpc, {
      hang: () => new Promise<[]>(() => {}),
      hostile: () => {
        throw hostileValue();
      },
    });
    return 0;
  }
  const client = await bindWhenExported(ctx, serviceName, settleRpc, bindTimeoutMs);
  const outcome = await client.hostile().then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof RpcError)) throw new Error(`the call ended with ${String(outcome)}`);
  ctx.log(`settled: ${outcome.message}`);
  client.close();
  return 0;
}
