// A test domain for a stream of one-way messages that is not paced: the first core serves the note
// sink (note-sink.ts); the second sends floodNotes notes in one synchronous loop, more than a ring
// and limits.portBacklogMax hold together, so a send must be refused, and that send's error
// (naming the method and drained()) is what main fails with. The same program runs on real cores
// (test/platform/real-streams.test.ts) and on the simulator (test/sim/streams.test.ts), which must
// refuse it alike.
import { bindWhenExported, type DomainContext, limits } from "../../../src/index.js";
import { noteSink, noteSinkBindTimeoutMs, noteSinkName, serveNotes } from "./note-sink.js";

/** Notes sent with no pause: twice what a ring and a full port backlog hold. */
export const floodNotes = 2 * (limits.portBacklogMax + limits.slotsPerRing);

export async function main(ctx: DomainContext): Promise<number> {
  const [server, client] = ctx.cores;
  if (ctx.coreId === server) {
    await serveNotes(ctx);
    return 0;
  }
  if (ctx.coreId !== client) return 0;
  const sink = await bindWhenExported(ctx, noteSinkName, noteSink, noteSinkBindTimeoutMs);
  for (let i = 0; i < floodNotes; i++) sink.note(i);
  throw new Error(`sent ${floodNotes} notes with no pause and none was refused`);
}
