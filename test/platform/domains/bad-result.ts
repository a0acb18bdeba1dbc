// Test domain: returns what cannot be handed back, as ctx.args[0] says: "function" an object
// holding a function, "big" a string over limits.domainResultBytesMax, "number" 256 (not a status).
import { type DomainContext, limits } from "../../../src/index.js";

export function main(ctx: DomainContext<string[]>): unknown {
  const kind = ctx.args[0];
  if (kind === "function") return { answer: () => 42 };
  if (kind === "big") return "x".repeat(limits.domainResultBytesMax + 1);
  if (kind === "number") return 256;
  throw new Error(`bad-result: unknown kind ${String(kind)}`);
}
