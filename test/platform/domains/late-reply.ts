// Test domain: a handler that answers later, after sleeping on the platform's timers. Core 1 makes
// several calls at once; each must get its own answer (replies are paired with calls by request id,
// not by order), and none may come before the handler's sleep.
import { bindWhenExported, type DomainContext, defineRpc, t } from "../../../src/index.js";

export const lateRpc = defineRpc("test_late", {
  slowSquare: {
    call: [
      ["x", t.u32],
      ["sleepMs", t.u32],
    ],
    reply: [["square", t.u32]],
  },
});

/** Calls in flight at once; the first sleeps longest, so replies come back in reverse order. */
const concurrentCalls = 8;
/** Sleep of the last call; call i sleeps (concurrentCalls - i) times this. */
const sleepStepMs = 5;
const bindTimeoutMs = 10_000;

export async function main(ctx: DomainContext): Promise<number> {
  if (ctx.coreId === ctx.cores[0]) {
    await ctx.export("test-late", lateRpc, {
      slowSquare: async (x, sleepMs) => {
        await ctx.sleep(sleepMs);
        return [x * x];
      },
    });
    return 0;
  }
  const client = await bindWhenExported(ctx, "test-late", lateRpc, bindTimeoutMs);
  const startedNs = ctx.nowNs();
  const order: number[] = [];
  const calls = Array.from({ length: concurrentCalls }, (_, i) =>
    client.slowSquare(i, (concurrentCalls - i) * sleepStepMs).then(([square]) => {
      order.push(i);
      return square;
    }),
  );
  const squares = await Promise.all(calls);
  const elapsedMs = (ctx.nowNs() - startedNs) / 1e6;
  for (const [i, square] of squares.entries()) {
    if (square !== i * i) throw new Error(`call ${i}: got ${square}`);
  }
  if (elapsedMs < sleepStepMs)
    throw new Error(`replies came after ${elapsedMs} ms, before the handler slept`);
  if (order[0] !== concurrentCalls - 1) throw new Error(`the shortest sleep did not answer first: ${order}`);
  client.close();
  return 0;
}
