// Test domain: bad input to an address space is refused with a clear VmError, for every protocol:
// an unaligned address, a zero length, unmapping what is not mapped, a rights escalation, a second
// map of a mapped page, a bad frame, faults in translate; and ctx.addressSpace itself refuses an
// unknown protocol and a second open with another protocol. Each outcome is printed for the test.
import type { DomainContext } from "../../../src/index.js";
import { pageBytes } from "../../../src/limits.js";
import { rightRead, rightsAll, rightWrite, type ShootdownProtocol } from "../../../src/vm/index.js";
import { allProtocols, codeOf, makeBarrier } from "./vm-common.js";

export async function main(ctx: DomainContext): Promise<number> {
  const leader = ctx.cores[0]!;
  const barrier = makeBarrier(ctx, "vm-bad-barrier");
  for (const protocol of allProtocols) {
    const space = ctx.addressSpace(`bad-${protocol}`, { protocol });
    await barrier();
    if (ctx.coreId === leader) {
      const frame = space.allocFrame();
      const expect = async (what: string, want: string, run: () => unknown) => {
        let message = "";
        const got = await codeOf(async () => {
          try {
            await run();
          } catch (error) {
            message = (error as Error).message;
            throw error;
          }
        });
        ctx.log(`bad-input ${protocol} ${what}: ${got}: ${message}`);
        if (got !== want) throw new Error(`${protocol}: ${what} gave ${got}, expected ${want}`);
      };
      await expect("unaligned map", "unaligned", () => space.map(0x1001, frame, rightRead));
      await expect("zero-length unmap", "zero-length", () => space.unmap(0x2000, 0));
      await expect("unmap of what is not mapped", "not-mapped", () => space.unmap(0x3000, pageBytes));
      await expect("map", "ok", () => space.map(0x4000, frame, rightRead | rightWrite));
      await expect("rights escalation", "rights-escalation", () =>
        space.protect(0x4000, pageBytes, rightsAll),
      );
      await expect("second map", "already-mapped", () => space.map(0x4000, frame, rightRead));
      await expect("bad frame", "bad-frame", () => space.map(0x5000, -1, rightRead));
      await expect("translate unmapped", "page-fault", () => space.translate(0x5000, rightRead));
      await expect("execute a rw- page", "protection-fault", () => space.translate(0x4000, 4));
      await expect("unmap", "ok", () => space.unmap(0x4000, pageBytes));
    }
    await barrier();
  }
  const unknown = await codeOf(() =>
    ctx.addressSpace("pigeons", { protocol: "carrier-pigeon" as ShootdownProtocol }),
  );
  if (!unknown.includes("unknown protocol")) throw new Error(`unknown protocol gave ${unknown}`);
  const reopen = await codeOf(() => ctx.addressSpace("bad-unicast", { protocol: "broadcast" }));
  if (!reopen.includes("already open with protocol unicast"))
    throw new Error(`reopen with another protocol gave ${reopen}`);
  ctx.log(`bad-input core ${ctx.coreId}: ${unknown}; ${reopen}`);
  return 0;
}
