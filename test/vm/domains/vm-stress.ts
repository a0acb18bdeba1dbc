// Test domain: concurrent translations on every core while two cores unmap (each half of the
// pages, all at once, and one page both), for every protocol, over bounded rounds. When an unmap resolves its core no
// longer translates the page; after every unmap, no core translates any page.
import type { DomainContext } from "../../../src/index.js";
import { pageBytes } from "../../../src/limits.js";
import { rightRead, rightWrite } from "../../../src/vm/index.js";
import { allProtocols, codeOf, makeBarrier } from "./vm-common.js";

const base = 0x8_0000;
const pages = 8;
/** A page past the halves that both unmapping cores unmap at once. */
const contested = pages;
const rounds = Number(process.env.VM_STRESS_ROUNDS ?? 6);
/** Sweeps of translations each core makes while the unmaps are in flight. */
const sweeps = 20;

export async function main(ctx: DomainContext): Promise<number> {
  const leader = ctx.cores[0]!;
  const unmappers = [ctx.cores[0]!, ctx.cores[1]!];
  const barrier = makeBarrier(ctx, "vm-stress-barrier");
  let translated = 0;
  let faulted = 0;
  for (const protocol of allProtocols) {
    const space = ctx.addressSpace(`stress-${protocol}`, { protocol });
    let f0 = -1;
    if (ctx.coreId === leader) {
      f0 = space.allocFrame();
      for (let i = 1; i <= pages; i++) space.allocFrame();
    }
    await barrier();
    for (let round = 0; round < rounds; round++) {
      if (ctx.coreId === leader) await space.map(base, f0, rightRead | rightWrite, (pages + 1) * pageBytes);
      await barrier();
      const half = unmappers.indexOf(ctx.coreId);
      const unmaps: Promise<void>[] = [];
      if (half >= 0) {
        // Both unmap the contested page: both resolve, or the later one finds it already gone in
        // its own view (its replica has applied the other's unmap, or the one shared table has):
        // not-mapped, as docs/vm.md says.
        const vaddr = base + contested * pageBytes;
        unmaps.push(
          space.unmap(vaddr, pageBytes).catch((error: { code?: string }) => {
            if (error.code !== "not-mapped") throw error;
          }),
        );
        for (let p = half; p < pages; p += 2) {
          const vaddr = base + p * pageBytes;
          unmaps.push(
            space.unmap(vaddr, pageBytes).then(async () => {
              const code = await codeOf(() => space.translate(vaddr, rightRead));
              if (code !== "page-fault")
                throw new Error(
                  `${protocol}: core ${ctx.coreId} translates 0x${vaddr.toString(16)} (${code}) after its unmap`,
                );
            }),
          );
        }
      }
      // Observed now, awaited after the sweeps: a rejection must not go unhandled meanwhile.
      const allUnmapped = Promise.all(unmaps);
      allUnmapped.catch(() => {});
      for (let sweep = 0; sweep < sweeps; sweep++) {
        for (let p = 0; p < pages; p++) {
          const code = await codeOf(() => space.translate(base + p * pageBytes, rightRead));
          if (code === "ok") translated++;
          else if (code === "page-fault") faulted++;
          else throw new Error(`${protocol}: core ${ctx.coreId}: translate gave ${code}`);
        }
        await ctx.sleep(0);
      }
      await allUnmapped;
      await barrier();
      for (let p = 0; p <= pages; p++) {
        const code = await codeOf(() => space.translate(base + p * pageBytes, rightRead));
        if (code !== "page-fault")
          throw new Error(
            `${protocol}: round ${round}: core ${ctx.coreId} still translates page ${p} (${code})`,
          );
      }
      await barrier();
    }
  }
  ctx.log(`stress done on core ${ctx.coreId}: ${translated} translations, ${faulted} faults`);
  return 0;
}
