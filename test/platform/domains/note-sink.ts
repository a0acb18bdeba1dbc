// Not a domain: the interface and the server shared by the stream test domains (streams-paced.ts,
// streams-unpaced.ts, closes-after-burst.ts). The first core of a domain exports "note-sink", which counts one-way notes
// and checks that each carries the next number; a call, `count`, says how many came and whether
// all came in order (on one binding it arrives after every note sent before it: the channel is
// FIFO).
import { bindWhenExported, type DomainContext, defineRpc, type RpcClient, t } from "../../../src/index.js";

export const noteSink = defineRpc("test_note_sink", {
  note: { message: [["i", t.u32]] },
  count: {
    call: [],
    reply: [
      ["notes", t.u32],
      ["inOrder", t.bool],
    ],
  },
});

/** The service's name. */
export const noteSinkName = "note-sink";
/** How long a client waits for the service to be exported. */
export const noteSinkBindTimeoutMs = 10_000;

/** Exports the sink from this core. */
export async function serveNotes(ctx: DomainContext): Promise<void> {
  let seen = 0;
  let inOrder = true;
  await ctx.export(noteSinkName, noteSink, {
    note: (i) => {
      if (i !== seen) inOrder = false;
      seen++;
    },
    count: () => [seen, inOrder],
  });
}

/**
 * The two roles of a stream test domain: on its first core, exports the sink and gives undefined;
 * on its second, binds to the sink and gives the client; on any other, undefined.
 */
export async function serveOrBind(
  ctx: DomainContext,
): Promise<RpcClient<typeof noteSink.declaration> | undefined> {
  const [server, client] = ctx.cores;
  if (ctx.coreId === server) await serveNotes(ctx);
  if (ctx.coreId !== client) return undefined;
  return bindWhenExported(ctx, noteSinkName, noteSink, noteSinkBindTimeoutMs);
}
