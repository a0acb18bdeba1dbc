// The domain behind `multikernel bench rpc`: core A exports an echo service, core B binds to it and
// measures, through the README's API and nothing else:
//   - sequential calls: each call timed on its own (p50, mean, p99 over every call);
//   - calls in flight: `callsInFlight` lanes, each awaiting its call before making the next, so that
//     that many calls are always outstanding (calls per second);
//   - one-way messages: `note(i)` sent in bursts, each burst ended by a `count()` call whose reply
//     says how many notes the server has seen (messages per second; the count checks none was lost).
// Every echo is checked. Core B prints its figures as one line starting with `rpc-bench:` followed
// by JSON, which the bench command reads from the domain's output. Settings come through the
// environment, which the cores' workers inherit.
import { bindWhenExported, type DomainContext, defineRpc, type RpcClient, t } from "../../index.js";
import { domainBindTimeoutMs } from "../../limits.js";
import { runLanes } from "../call-baselines.js";

export const echoRpc = defineRpc("bench_echo", {
  echo: { call: [["x", t.u32]], reply: [["y", t.u32]] },
  note: { message: [["x", t.u32]] },
  count: { call: [], reply: [["notes", t.u32]] },
});

/** The prefix of the line that carries the figures. */
export const rpcBenchResultPrefix = "rpc-bench: ";
/** Sequential calls timed, unless MULTIKERNEL_RPC_ROUNDS says otherwise. */
export const rpcBenchRoundsDefault = 100_000;
/** Untimed calls first, so that both cores run optimized code. */
export const rpcBenchWarmupCalls = 50_000;
/** Calls kept outstanding in the throughput run (the "256 in flight"). */
export const rpcBenchCallsInFlight = 256;
/** Calls made in the throughput run. */
export const rpcBenchPipelinedCalls = 500_000;
/** One-way messages sent in the message-rate run. */
export const rpcBenchMessages = 1_000_000;
/** Messages per burst before a count() call (well under limits.portBacklogMax plus a ring). */
export const rpcBenchMessagesPerBurst = 2048;

/** What core B prints. */
export interface RpcBenchFigures {
  readonly calls: number;
  readonly rpcRoundTripNs: number;
  readonly rpcMeanRoundTripNs: number;
  readonly rpcRoundTripP99Ns: number;
  readonly rpcCallsPerSec: number;
  readonly messagesPerSec: number;
}

/** A positive integer setting from the environment, or the fallback. */
function setting(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

type Echo = RpcClient<typeof echoRpc.declaration>;

async function sequential(ctx: DomainContext, echo: Echo, rounds: number): Promise<Float64Array> {
  const samplesNs = new Float64Array(rounds);
  for (let i = 0; i < rounds; i++) {
    const start = ctx.nowNs();
    const [y] = await echo.echo(i);
    samplesNs[i] = ctx.nowNs() - start;
    if (y !== i + 1) throw new Error(`echo(${i}) answered ${y}`);
  }
  return samplesNs.sort();
}

function pipelined(ctx: DomainContext, echo: Echo, calls: number, lanes: number): Promise<number> {
  const check = (x: number, [y]: readonly [number]): void => {
    if (y !== x + 1) throw new Error(`echo(${x}) answered ${y}`);
  };
  return runLanes(echo.echo, check, calls, lanes, () => ctx.nowNs());
}

async function oneWay(ctx: DomainContext, echo: Echo, messages: number): Promise<number> {
  const [before] = await echo.count();
  const start = ctx.nowNs();
  let sent = 0;
  while (sent < messages) {
    const burst = Math.min(rpcBenchMessagesPerBurst, messages - sent);
    for (let i = 0; i < burst; i++) echo.note(sent + i);
    sent += burst;
    const [seen] = await echo.count();
    if (seen - before !== sent) throw new Error(`the server saw ${seen - before} of ${sent} messages`);
  }
  return messages / ((ctx.nowNs() - start) / 1e9);
}

export async function main(ctx: DomainContext): Promise<number> {
  const [server, client] = ctx.cores;
  if (ctx.coreId === server) {
    let notes = 0;
    await ctx.export("bench-echo", echoRpc, {
      echo: (x) => [x + 1],
      note: () => {
        notes++;
      },
      count: () => [notes],
    });
    return 0;
  }
  if (ctx.coreId !== client) return 0;
  const rounds = setting("MULTIKERNEL_RPC_ROUNDS", rpcBenchRoundsDefault);
  const warmup = setting("MULTIKERNEL_RPC_WARMUP", rpcBenchWarmupCalls);
  const pipelinedCalls = setting("MULTIKERNEL_RPC_PIPELINED", rpcBenchPipelinedCalls);
  const messages = setting("MULTIKERNEL_RPC_MESSAGES", rpcBenchMessages);
  const echo = await bindWhenExported(ctx, "bench-echo", echoRpc, domainBindTimeoutMs);
  for (let i = 0; i < warmup; i++) await echo.echo(i);
  await pipelined(ctx, echo, Math.min(warmup, pipelinedCalls), rpcBenchCallsInFlight);
  await oneWay(ctx, echo, Math.min(warmup, messages));
  const samplesNs = await sequential(ctx, echo, rounds);
  let sum = 0;
  for (const x of samplesNs) sum += x;
  const pick = (q: number) => samplesNs[Math.min(rounds - 1, Math.ceil(q * rounds) - 1)]!;
  const figures: RpcBenchFigures = {
    calls: rounds,
    rpcRoundTripNs: pick(0.5),
    rpcMeanRoundTripNs: sum / rounds,
    rpcRoundTripP99Ns: pick(0.99),
    rpcCallsPerSec: await pipelined(ctx, echo, pipelinedCalls, rpcBenchCallsInFlight),
    messagesPerSec: await oneWay(ctx, echo, messages),
  };
  ctx.log(`${rpcBenchResultPrefix}${JSON.stringify(figures)}`);
  echo.close();
  return 0;
}
