// Binding to a service that may not be exported yet: the dispatchers of a domain start on all its
// cores at once, so a client's bind can reach the name service before the server's export does.
// Like Barrelfish's nameservice_blocking_lookup, `bindWhenExported` retries a bind that failed only
// because the name is not registered yet, with a pause between tries, for a bounded time; any other
// failure (wrong interface, a core that does not exist) is thrown at once. `options` are the
// bind's (a call timeout, say).
import { bindRetryPauseMs } from "../limits.js";
import { BindError } from "../monitor/binding.js";
import type { RpcClient, RpcDeclaration, RpcInterface } from "../rpc/rpc.js";
import type { BindOptions, DomainContext } from "./domain-context.js";

export async function bindWhenExported<R extends RpcDeclaration>(
  ctx: DomainContext,
  name: string,
  rpc: RpcInterface<R>,
  timeoutMs: number,
  options: BindOptions = {},
): Promise<RpcClient<R>> {
  const deadlineNs = ctx.nowNs() + timeoutMs * 1e6;
  for (;;) {
    try {
      return await ctx.bind(name, rpc, options);
    } catch (error) {
      if (!(error instanceof BindError && error.reason === "unknown-service")) throw error;
      if (ctx.nowNs() >= deadlineNs) {
        throw new Error(`bind "${name}": nobody exported it within ${timeoutMs} ms (${error.message})`);
      }
      await ctx.sleep(bindRetryPauseMs);
    }
  }
}
