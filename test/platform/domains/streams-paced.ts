// A test domain for pacing a stream of one-way messages: the first core serves the note sink
// (note-sink.ts); the second sends pacedNotes notes, far more than a ring and a port backlog hold
// together, awaiting the binding's drained() every pacedNotesPerDrain, and then asks how many
// arrived. Every note must arrive, in order: the domain fails otherwise. The same program runs on
// real cores (test/platform/real-streams.test.ts) and on the simulator (test/sim/streams.test.ts).
import type { DomainContext } from "../../../src/index.js";
import { serveOrBind } from "./note-sink.js";

/** Notes sent: several times limits.portBacklogMax plus a ring. */
export const pacedNotes = 20_000;
/** Notes sent between two awaits of drained(): well under limits.portBacklogMax. */
export const pacedNotesPerDrain = 1024;

export async function main(ctx: DomainContext): Promise<number> {
  const sink = await serveOrBind(ctx);
  if (sink === undefined) return 0;
  // Nothing sent yet, so nothing waits: this resolves at once.
  await sink.drained();
  for (let i = 0; i < pacedNotes; i++) {
    sink.note(i);
    if ((i + 1) % pacedNotesPerDrain === 0) await sink.drained();
  }
  await sink.drained();
  const [seen, inOrder] = await sink.count();
  sink.close();
  if (seen !== pacedNotes || !inOrder)
    throw new Error(`sent ${pacedNotes} paced notes: the server saw ${seen}, in order: ${inOrder}`);
  ctx.log(`paced stream: all ${seen} notes arrived, in order`);
  return 0;
}
