// Test domain: the lowest core exports a service on one interface; the other core binds to it with
// an interface of another name (this module's main) or with the same name but a different
// declaration (wrong-declaration.ts). The bind's error is left to end main, so that the domain's
// exit carries its text.
import { bindWhenExported, type DomainContext, defineRpc, type RpcInterface, t } from "../../../src/index.js";

type Declaration = Parameters<typeof defineRpc>[1];

const exportedRpc = defineRpc("test_shape", { area: { call: [["side", t.u32]], reply: [["area", t.u32]] } });
/** Another interface altogether. */
export const otherNameRpc = defineRpc("test_colour", { hue: { call: [], reply: [["hue", t.u32]] } });
/** The same interface name as exportedRpc, but its method takes another field. */
export const otherDeclarationRpc = defineRpc("test_shape", {
  area: { call: [["radius", t.f64]], reply: [["area", t.f64]] },
});

const bindTimeoutMs = 10_000;

/** Builds a domain whose client binds with `clientRpc` to a service exported under `service`. */
export function wrongInterfaceDomain<R extends Declaration>(service: string, clientRpc: RpcInterface<R>) {
  return async (ctx: DomainContext): Promise<number> => {
    if (ctx.coreId === ctx.cores[0]) {
      await ctx.export(service, exportedRpc, { area: (side) => [side * side] });
      return 0;
    }
    await bindWhenExported(ctx, service, clientRpc, bindTimeoutMs);
    return 0;
  };
}

export const main = wrongInterfaceDomain("test-shape-by-name", otherNameRpc);
