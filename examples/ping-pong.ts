// Cross-core ping-pong: the smallest domain that talks between cores.
//
// Run it with `npx multikernel run dist/examples/ping-pong.js --core-list 0-1` (after `npm install`).
// The domain spans the given cores; the lowest one exports a "pong" service, every other core binds
// to it through the monitors (name service, then a URPC channel of its own) and makes typed calls,
// timing them with the platform's clock. Your own domains import from "multikernel" instead of the
// relative path used inside this repository.
import { bindWhenExported, type DomainContext, defineRpc, t } from "../src/index.js";

/** The interface, declared once: ping carries a sequence number and a payload, pong echoes it. */
export const pingPongRpc = defineRpc("ping_pong", {
  ping: {
    call: [
      ["seq", t.u32],
      ["payload", t.string(48)],
    ],
    reply: [
      ["seq", t.u32],
      ["fromCore", t.u16],
    ],
  },
});

const rounds = 20_000;
const bindTimeoutMs = 10_000;

export async function main(ctx: DomainContext): Promise<number> {
  const server = ctx.cores[0]!;
  if (ctx.coreId === server) {
    await ctx.export("pong", pingPongRpc, { ping: (seq) => [seq, ctx.coreId] });
    ctx.log(`exports "pong"`);
    return 0;
  }
  const pong = await bindWhenExported(ctx, "pong", pingPongRpc, bindTimeoutMs);
  const started = ctx.nowNs();
  for (let seq = 0; seq < rounds; seq++) {
    const [answered, fromCore] = await pong.ping(seq, "hello from a multikernel");
    if (answered !== seq || fromCore !== server)
      throw new Error(`ping ${seq}: answered ${answered} from core ${fromCore}`);
  }
  const perCallNs = (ctx.nowNs() - started) / rounds;
  ctx.log(`${rounds} calls to core ${server}: ${(perCallNs / 1000).toFixed(2)} µs per round trip`);
  pong.close();
  return 0;
}
