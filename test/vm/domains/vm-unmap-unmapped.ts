// Test domain: unmapping a page that is not mapped, uncaught: the domain fails with the VmError's
// message, which names the core, the call and the address.
import type { DomainContext } from "../../../src/index.js";
import { pageBytes } from "../../../src/limits.js";

export async function main(ctx: DomainContext): Promise<number> {
  const space = ctx.addressSpace("unmapped", { protocol: "unicast" });
  if (ctx.coreId === ctx.cores[0]) await space.unmap(0x7000, pageBytes);
  return 0;
}
