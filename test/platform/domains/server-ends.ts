// Test domain: a server whose domain ends while a call to it is in flight. The lowest core exports
// "test-server-ends"; its `hang` handler never answers, and once the first call arrives the server's
// main throws (so its dispatcher is closed at once). Every other core calls `hang` and must see the
// call reject, naming the service and that its domain ended; a later call must reject at once, and
// a new bind to the name must fail. A call that waits forever is the bug this domain catches.
import { bindWhenExported, type DomainContext } from "../../../src/index.js";
import { settleRpc } from "./settle-rpc.js";

export const serviceName = "test-server-ends";
const bindTimeoutMs = 10_000;

export async function main(ctx: DomainContext): Promise<number> {
  if (ctx.coreId === ctx.cores[0]) {
    let called: () => void = () => {};
    const firstCall = new Promise<void>((resolve) => {
      called = resolve;
    });
    await ctx.export(serviceName, settleRpc, {
      hang: () => {
        called();
        return new Promise<[]>(() => {});
      },
      hostile: () => [],
    });
    await firstCall;
    throw new Error("the server ends while a call is in flight");
  }
  return callEndedService(ctx, serviceName);
}

/** A client's side: a call in flight when the server's domain ends rejects, so do later calls and binds. */
export async function callEndedService(ctx: DomainContext, name: string): Promise<number> {
  const client = await bindWhenExported(ctx, name, settleRpc, bindTimeoutMs);
  const failure = await client.hang().then(
    () => "answered",
    (error: Error) => error.message,
  );
  if (!failure.includes(`"${name}"`) || !failure.includes("ended"))
    throw new Error(`the call in flight ended with: ${failure}`);
  const later = await client.hang().then(
    () => "answered",
    (error: Error) => error.message,
  );
  if (!later.includes(`"${name}"`)) throw new Error(`a later call ended with: ${later}`);
  const rebind = await ctx.bind(name, settleRpc).then(
    () => "bound",
    (error: Error) => error.message,
  );
  if (!rebind.startsWith(`bind "${name}"`)) throw new Error(`a new bind ended with: ${rebind}`);
  ctx.log(`settled: ${failure}`);
  return 0;
}
