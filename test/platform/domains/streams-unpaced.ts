// A test domain for a stream of one-way messages that is not paced: the first core serves the note
// sink (note-sink.ts); the second sends floodNotes notes in one synchronous loop, more than a ring
// and limits.portBacklogMax hold together, so a send must be refused, and that send's error
// (naming the method and drained()) is what main fails with. The same program runs on real cores
// (test/platform/real-streams.test.ts) and on the simulator (test/sim/streams.test.ts), which must
// refuse it alike.
import { type DomainContext, limits } from "../../../src/index.js";
import { serveOrBind } from "./note-sink.js";

/** Notes sent with no pause: twice what a ring and a full port backlog hold. */
export const floodNotes = 2 * (limits.portBacklogMax + limits.slotsPerRing);

export async function main(ctx: DomainContext): Promise<number> {
  const sink = await serveOrBind(ctx);
  if (sink === undefined) return 0;
  for (let i = 0; i < floodNotes; i++) sink.note(i);
  throw new Error(`sent ${floodNotes} notes with no pause and none was refused`);
}
