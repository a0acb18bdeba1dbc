// The domain behind `multikernel bench rpc`: core A exports an echo service, core B binds to it and
// times typed calls (warm-up first, then batches). Core B prints its figures as one line starting
// with `rpc-bench:` followed by JSON, which the bench command reads from the domain's output.
import { bindWhenExported, type DomainContext, defineRpc, t } from "../../index.js";
import { domainBindTimeoutMs, rpcBenchBatch } from "../../limits.js";

export const echoRpc = defineRpc("bench_echo", {
  echo: { call: [["x", t.u32]], reply: [["y", t.u32]] },
});

/** Rounds and warm-up are passed through the environment, which workers inherit. */
function setting(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

export async function main(ctx: DomainContext): Promise<number> {
  const [server, client] = ctx.cores;
  if (ctx.coreId === server) {
    await ctx.export("bench-echo", echoRpc, { echo: (x) => [x + 1] });
    return 0;
  }
  if (ctx.coreId !== client) return 0;
  const rounds = setting("MULTIKERNEL_RPC_ROUNDS", 10_000);
  const warmup = setting("MULTIKERNEL_RPC_WARMUP", 20_000);
  const echo = await bindWhenExported(ctx, "bench-echo", echoRpc, domainBindTimeoutMs);
  for (let i = 0; i < warmup; i++) await echo.echo(i);
  const samplesNs: number[] = [];
  for (let done = 0; done < rounds; done += rpcBenchBatch) {
    const start = ctx.nowNs();
    for (let i = 0; i < rpcBenchBatch; i++) {
      const [y] = await echo.echo(i);
      if (y !== i + 1) throw new Error(`echo(${i}) answered ${y}`);
    }
    samplesNs.push((ctx.nowNs() - start) / rpcBenchBatch);
  }
  samplesNs.sort((a, b) => a - b);
  const pick = (q: number) => samplesNs[Math.min(samplesNs.length - 1, Math.floor(q * samplesNs.length))]!;
  ctx.log(
    `rpc-bench: ${JSON.stringify({ rpcRoundTripNs: pick(0.5), rpcRoundTripP99Ns: pick(0.99), calls: rounds })}`,
  );
  echo.close();
  return 0;
}
