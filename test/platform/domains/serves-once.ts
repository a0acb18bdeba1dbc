// Test domain: a server domain that ends normally while a call to it is in flight. It exports
// "test-serves-once" on its first core; `hang` never answers, and once the first call arrives main
// returns 0, so the domain is done and its dispatcher closed. ./calls-ended.ts is its client.
import type { DomainContext } from "../../../src/index.js";
import { settleRpc } from "./settle-rpc.js";

export const servesOnceName = "test-serves-once";

export async function main(ctx: DomainContext): Promise<number> {
  if (ctx.coreId !== ctx.cores[0]) return 0;
  let called: () => void = () => {};
  const firstCall = new Promise<void>((resolve) => {
    called = resolve;
  });
  await ctx.export(servesOnceName, settleRpc, {
    hang: () => {
      called();
      return new Promise<[]>(() => {});
    },
    hostile: () => [],
  });
  await firstCall;
  return 0;
}
