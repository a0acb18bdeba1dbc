// Test domain: checks that it shares the library with the core it runs on. It binds to a service
// nobody exports; the core's binding code rejects with its BindError, which must be the BindError
// this file imported (library-redirect.ts): run from its TypeScript source, this file imports the
// library's sources (../../../src/index.js means src/index.ts), and on a core started from its
// bundle even the built modules are a second copy unless redirected.
import { BindError, type DomainContext, defineRpc, t } from "../../../src/index.js";

const nobodyRpc = defineRpc("test_identity", { ask: { call: [], reply: [["answer", t.u32]] } });

export async function main(ctx: DomainContext): Promise<number> {
  try {
    await ctx.bind("test-identity-no-such-service", nobodyRpc);
  } catch (error) {
    if (error instanceof BindError && error.reason === "unknown-service") return 0;
    const name = (error as { constructor?: { name?: unknown } } | null)?.constructor?.name;
    throw new Error(`the core's bind failure is a ${String(name)} that is not this module's BindError`);
  }
  throw new Error("a bind to a service nobody exports succeeded");
}
