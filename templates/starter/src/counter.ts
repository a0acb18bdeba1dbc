// A domain: `main` runs once on every core the domain spans. The first core serves a counter;
// every other core adds its step to it through the monitors and the URPC channels. Each core
// returns what it saw (its result, printed by `multikernel run` and returned by `simulate`).
//
//   npm start                                          on 2 real cores of this machine
//   npx multikernel run src/counter.ts --cores 4 -- 5  on 4 cores, each client adding 5
import { bindWhenExported, type DomainContext } from "multikernel";
import { counter } from "./counter-interface.js";

/** How long a client waits for the counter to be exported. */
const bindTimeoutMs = 5_000;

/** What each core returns. */
export interface CounterResult {
  readonly role: "server" | "client";
  /** The server: the final total. A client: the total right after its own add. */
  readonly total: number;
}

/** `ctx.args` is `[step]`, as strings from the command line or numbers from a test; default 1. */
export async function main(ctx: DomainContext<readonly (string | number)[]>): Promise<CounterResult> {
  const step = Number(ctx.args[0] ?? 1);
  if (!(Number.isInteger(step) && step >= 0))
    throw new RangeError(`step must be a whole number, got ${ctx.args[0]}`);
  if (ctx.coreId === ctx.cores[0]) return serve(ctx);
  const client = await bindWhenExported(ctx, "counter", counter, bindTimeoutMs);
  const [total] = await client.add(step); // split-phase: a promise per call
  ctx.log(`added ${step}, total is now ${total}`);
  client.close();
  return { role: "client", total };
}

/** Serves the counter until every other core has added to it; returns the final total. */
async function serve(ctx: DomainContext): Promise<CounterResult> {
  const clients = ctx.cores.length - 1;
  let total = 0;
  let adds = 0;
  let allAdded: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allAdded = resolve;
  });
  await ctx.export("counter", counter, {
    add: (n) => {
      total += n;
      if (++adds === clients) allAdded();
      return [total];
    },
  });
  if (clients > 0) await done;
  return { role: "server", total };
}
