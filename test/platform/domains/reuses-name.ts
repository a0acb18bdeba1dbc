// Test domain: one core exports a service under a fixed name and main returns at once, so that the
// domain ends and frees the name; the next domain exports the same name from another core. This
// module's main exports from the highest core; reuses-name-low.ts from the lowest.
import { type DomainContext, defineRpc, t } from "../../../src/index.js";

export const reusedName = "test-reused-name";
const reusedRpc = defineRpc("test_reused", { get: { call: [], reply: [["core", t.u16]] } });

/** Builds a main that exports the name from the core `pick` chooses among the domain's cores. */
export function exportFrom(pick: (cores: readonly number[]) => number) {
  return async (ctx: DomainContext): Promise<number> => {
    if (ctx.coreId === pick(ctx.cores)) await ctx.export(reusedName, reusedRpc, { get: () => [ctx.coreId] });
    return 0;
  };
}

export const main = exportFrom((cores) => cores[cores.length - 1]!);
