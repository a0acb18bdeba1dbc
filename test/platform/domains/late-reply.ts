// Test domain: a handler that answers later, when the client says so. Core 1 makes several calls at
// once; the server holds each until a `release` message for it arrives, and the client releases
// them in reverse order, so replies come back in the opposite order to the calls: each must still
// get its own answer (replies are paired with calls by request id, not by order).
//
// Nothing depends on timers or on how fast either core runs. The client checks that no reply came
// early by a `ping` round trip after its calls: the channel is FIFO both ways, so by the time the
// ping's reply arrives every call has reached the server, and any reply sent before the ping's
// would have arrived before it. Then it releases one call at a time and checks that exactly the
// released calls have answered.
import { bindWhenExported, type DomainContext, defineRpc, t } from "../../../src/index.js";

export const lateRpc = defineRpc("test_late", {
  heldSquare: { call: [["x", t.u32]], reply: [["square", t.u32]] },
  release: { message: [["x", t.u32]] },
  ping: { call: [], reply: [] },
});

/** Calls in flight at once, released last to first. */
const concurrentCalls = 8;
const bindTimeoutMs = 10_000;

/** A call's gate on the server: the handler waits on `opened`, the release message calls `open`. */
interface Gate {
  readonly opened: Promise<void>;
  readonly open: () => void;
}

function serve(ctx: DomainContext): Promise<void> {
  const gates = new Map<number, Gate>();
  const gate = (x: number): Gate => {
    let found = gates.get(x);
    if (found === undefined) {
      let open = () => {};
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      found = { opened, open };
      gates.set(x, found);
    }
    return found;
  };
  return ctx.export("test-late", lateRpc, {
    heldSquare: async (x) => {
      await gate(x).opened;
      gates.delete(x);
      return [x * x];
    },
    release: (x) => gate(x).open(),
    ping: () => [],
  });
}

export async function main(ctx: DomainContext): Promise<number> {
  if (ctx.coreId === ctx.cores[0]) {
    await serve(ctx);
    return 0;
  }
  const client = await bindWhenExported(ctx, "test-late", lateRpc, bindTimeoutMs);
  const answered: number[] = [];
  const calls = Array.from({ length: concurrentCalls }, (_, i) =>
    client.heldSquare(i).then(([square]) => {
      answered.push(i);
      if (square !== i * i) throw new Error(`call ${i}: got ${square}`);
    }),
  );
  // Each is awaited below, in release order; until then a rejection is not an unhandled one.
  for (const call of calls) call.catch(() => {});
  await client.ping();
  if (answered.length > 0) throw new Error(`calls ${answered} answered before they were released`);
  for (let i = concurrentCalls - 1; i >= 0; i--) {
    client.release(i);
    await calls[i];
    const expected = Array.from({ length: concurrentCalls - i }, (_, k) => concurrentCalls - 1 - k);
    if (answered.join() !== expected.join())
      throw new Error(`after releasing call ${i}, answered ${answered}, expected ${expected}`);
  }
  client.close();
  return 0;
}
