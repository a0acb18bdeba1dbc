// Test domain: map, translate, protect and unmap across cores, for every protocol; the frame's
// bytes are shared (each core writes its own byte, the lowest core reads them all); the final state
// each core sees is the same for every protocol (else the domain throws) and is printed for the test.
import type { DomainContext } from "../../../src/index.js";
import { pageBytes } from "../../../src/limits.js";
import { rightRead, rightWrite } from "../../../src/vm/index.js";
import { allProtocols, codeOf, makeBarrier } from "./vm-common.js";

const base = 0x2_0000;

export async function main(ctx: DomainContext): Promise<number> {
  const leader = ctx.cores[0]!;
  const last = ctx.cores[ctx.cores.length - 1]!;
  const index = ctx.cores.indexOf(ctx.coreId);
  const barrier = makeBarrier(ctx, "vm-basics-barrier");
  let reference: string | undefined;
  for (const protocol of allProtocols) {
    const space = ctx.addressSpace(`basics-${protocol}`, { protocol });
    await barrier();
    if (ctx.coreId === leader) {
      const f0 = space.allocFrame();
      const f1 = space.allocFrame();
      if (f1 !== f0 + 1) throw new Error(`frames ${f0}, ${f1} are not consecutive`);
      await space.map(base, f0, rightRead | rightWrite, 2 * pageBytes);
      space.translate(base, rightWrite).page.set(0, 0xa0);
      space.translate(base + pageBytes, rightWrite).page.set(0, 0xa1);
    }
    await barrier();
    const first = space.translate(base, rightRead);
    const second = space.translate(base + pageBytes, rightRead);
    if (first.page.get(0) !== 0xa0 || second.page.get(0) !== 0xa1)
      throw new Error(`${protocol}: core ${ctx.coreId} reads ${first.page.get(0)}, ${second.page.get(0)}`);
    space.translate(base + 1 + index, rightWrite).page.set(1 + index, index + 1);
    await barrier();
    if (ctx.coreId === leader) {
      const bytes = space.translate(base, rightRead).page.read(0, pageBytes);
      for (let i = 0; i < ctx.cores.length; i++)
        if (bytes[1 + i] !== i + 1) throw new Error(`${protocol}: core ${ctx.cores[i]}'s write is not seen`);
      await space.protect(base, 2 * pageBytes, rightRead);
    }
    await barrier();
    const writeAfterProtect = await codeOf(() => space.translate(base, rightWrite));
    if (writeAfterProtect !== "protection-fault")
      throw new Error(`${protocol}: core ${ctx.coreId}: write after protect gave ${writeAfterProtect}`);
    await barrier();
    if (ctx.coreId === last) await space.unmap(base + pageBytes, pageBytes);
    await barrier();
    const state = JSON.stringify(
      [base, base + pageBytes, base + 2 * pageBytes].map((vaddr) => {
        try {
          const t = space.translate(vaddr, rightRead);
          return { rights: t.rights, byte: t.page.get(0) };
        } catch (error) {
          return (error as { code?: string }).code ?? String(error);
        }
      }),
    );
    ctx.log(`final ${protocol} core ${ctx.coreId}: ${state}`);
    if (reference === undefined) reference = state;
    else if (state !== reference)
      throw new Error(`${protocol}: core ${ctx.coreId} ends in ${state}, ${allProtocols[0]} in ${reference}`);
    await barrier();
    if (ctx.coreId === leader) await space.unmap(base, pageBytes);
    await barrier();
    const gone = await codeOf(() => space.translate(base, rightRead));
    if (gone !== "page-fault")
      throw new Error(`${protocol}: core ${ctx.coreId} translates after unmap: ${gone}`);
    await barrier();
  }
  return 0;
}
