// A test domain for closing a binding with messages still waiting for room: the first core serves
// `note` (one-way, counted) and `count`; the second sends a burst of notes far past its ring and
// port backlog's first flush, closes the binding at once, then binds again and asks how many notes
// the server saw. Every note sent before the close must arrive: the domain fails otherwise.
import { bindWhenExported, type DomainContext, defineRpc, t } from "../../../src/index.js";

const notes = defineRpc("test_closes_after_burst", {
  note: { message: [["x", t.u32]] },
  count: {
    call: [],
    reply: [
      ["notes", t.u32],
      ["inOrder", t.bool],
    ],
  },
});

/** Notes sent before the close: many rings' worth, under limits.portBacklogMax. */
export const burstNotes = 3_000;
const bindTimeoutMs = 10_000;
/** Rounds of asking again while the closed binding's notes are still on their way. */
const countTriesMax = 200;
const countPauseMs = 5;

export async function main(ctx: DomainContext): Promise<number> {
  const [server, client] = ctx.cores;
  if (ctx.coreId === server) {
    let seen = 0;
    let inOrder = true;
    await ctx.export("closes-after-burst", notes, {
      note: (x) => {
        if (x !== seen) inOrder = false;
        seen++;
      },
      count: () => [seen, inOrder],
    });
    return 0;
  }
  if (ctx.coreId !== client) return 0;
  const first = await bindWhenExported(ctx, "closes-after-burst", notes, bindTimeoutMs);
  for (let i = 0; i < burstNotes; i++) first.note(i);
  first.close();
  const second = await bindWhenExported(ctx, "closes-after-burst", notes, bindTimeoutMs);
  // The second binding's calls may overtake the first's notes (another channel): ask until all
  // are counted, or give up and report what arrived.
  let [seen, inOrder] = await second.count();
  for (let tries = 0; seen < burstNotes && tries < countTriesMax; tries++) {
    await ctx.sleep(countPauseMs);
    [seen, inOrder] = await second.count();
  }
  second.close();
  if (seen !== burstNotes || !inOrder)
    throw new Error(`sent ${burstNotes} notes then closed: the server saw ${seen}, in order: ${inOrder}`);
  ctx.log(`closed after a burst: all ${seen} notes arrived, in order`);
  return 0;
}
