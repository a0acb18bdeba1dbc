// A test domain for closing a binding with messages still waiting for room: the first core serves
// the note sink (note-sink.ts); the second sends a burst of notes far past its ring (under
// limits.portBacklogMax), closes the binding at once, then binds again and asks how many notes
// the server saw. Every note sent before the close must arrive, in order: the domain fails
// otherwise.
import { bindWhenExported, type DomainContext } from "../../../src/index.js";
import { noteSink, noteSinkBindTimeoutMs, noteSinkName, serveOrBind } from "./note-sink.js";

/** Notes sent before the close: many rings' worth, under limits.portBacklogMax. */
export const burstNotes = 3_000;
/** Rounds of asking again while the closed binding's notes are still on their way. */
const countTriesMax = 200;
const countPauseMs = 5;

export async function main(ctx: DomainContext): Promise<number> {
  const first = await serveOrBind(ctx);
  if (first === undefined) return 0;
  for (let i = 0; i < burstNotes; i++) first.note(i);
  first.close();
  const second = await bindWhenExported(ctx, noteSinkName, noteSink, noteSinkBindTimeoutMs);
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
