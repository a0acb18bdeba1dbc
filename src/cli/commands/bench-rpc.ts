// `multikernel bench rpc`: what a typed call costs end to end, beside what the channel underneath
// costs and what JavaScript's own messaging costs, in one run.
//
// It boots the cores, runs src/bench/domains/rpc-bench.js (the first core serves an echo, the last
// calls it: sequential calls, calls in flight, one-way messages) and reads its figures and each
// core's stop report (messages delivered, sleeps). Then, with the multikernel shut down, the
// baselines: the bare URPC channel's zero-copy round trip and streaming rate (src/bench/urpc-
// channel.ts), the promise limit (src/bench/call-baselines.ts: one thread doing only a call's
// promise work), and the same echo over postMessage, sequential and with calls in flight.
import { fileURLToPath } from "node:url";
import { measurePostMessageCalls, measurePromiseLimit } from "../../bench/call-baselines.js";
import {
  type RpcBenchFigures,
  rpcBenchCallsInFlight,
  rpcBenchPipelinedCalls,
  rpcBenchResultPrefix,
  rpcBenchRoundsDefault,
} from "../../bench/domains/rpc-bench.js";
import { measurePostMessage } from "../../bench/post-message.js";
import {
  formatNs,
  formatRate,
  formatRatio,
  printResult,
  progress,
  type RatioTarget,
  targetNote,
} from "../../bench/report.js";
import { benchRoundsMax } from "../../bench/rounds.js";
import { measureUrpcBaseline } from "../../bench/urpc-channel.js";
import { realCoresMax } from "../../limits.js";
import { boot } from "../../platform/real/boot.js";
import type { CoreStopReport } from "../../platform/real/control.js";
import { coreCountArgument, integerArgument } from "../arguments.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

const domainPath = fileURLToPath(new URL("../../bench/domains/rpc-bench.js", import.meta.url));
/** Untimed round trips of the bare channel before its timed ones (so that it runs optimized). */
const urpcBaselineWarmupRounds = 200_000;
/** Streaming runs of the bare channel (fresh sink each; the median is kept). */
const urpcBaselineStreamRuns = 3;
/** Sequential postMessage round trips timed. */
const postMessageRounds = 10_000;
/** Calls made in each baseline's calls-in-flight run. */
const baselineCalls = 200_000;
async function measureDomain(
  cores: number,
  rounds: number,
): Promise<[RpcBenchFigures, readonly CoreStopReport[]]> {
  process.env.MULTIKERNEL_RPC_ROUNDS = String(rounds);
  let figures: RpcBenchFigures | undefined;
  const system = await boot({
    cores,
    measureLatency: false,
    onLog: (line) => {
      const at = line.indexOf(rpcBenchResultPrefix);
      if (at >= 0) figures = JSON.parse(line.slice(at + rpcBenchResultPrefix.length)) as RpcBenchFigures;
    },
  });
  const ids = system.coreIds;
  try {
    const result = await system.run(domainPath, [ids[0]!, ids[ids.length - 1]!]);
    if (result.status !== 0)
      throw new Error(`rpc bench domain failed: ${result.exits.map((e) => e.error).join("; ")}`);
  } finally {
    await system.shutdown();
  }
  if (figures === undefined) throw new Error("rpc bench domain printed no figures");
  return [figures, system.stopReports];
}

export const registerBenchRpc: Registration = ({ bench }) => {
  bench
    .command("rpc")
    .description(
      "Typed calls between dispatchers on two cores (sequential, in flight, one-way), against the bare channel, the promise limit and postMessage.",
    )
    .option(
      "--cores <n>",
      `cores to boot (the first serves, the last calls), 2 to ${realCoresMax}`,
      coreCountArgument("--cores", 2, realCoresMax),
      2,
    )
    .option(
      "--rounds <n>",
      `sequential calls timed, 1 to ${benchRoundsMax}`,
      integerArgument("--rounds", 1, benchRoundsMax),
      rpcBenchRoundsDefault,
    )
    .addOption(jsonOption())
    .action(async (options: { cores: number; rounds: number; json: boolean }) => {
      progress(`rpc: typed calls between two of ${options.cores} cores…`);
      const [figures, reports] = await measureDomain(options.cores, options.rounds);
      progress("the bare URPC channel…");
      const urpc = await measureUrpcBaseline(
        postMessageRounds,
        urpcBaselineWarmupRounds,
        urpcBaselineStreamRuns,
      );
      progress("the promise limit and postMessage…");
      const promiseLimitCallsPerSec = await measurePromiseLimit(baselineCalls, rpcBenchCallsInFlight);
      const post = await measurePostMessage(postMessageRounds);
      const postMessageCallsPerSec = await measurePostMessageCalls(baselineCalls, rpcBenchCallsInFlight);
      const json = {
        benchmark: "rpc",
        cores: options.cores,
        calls: figures.calls,
        callsInFlight: rpcBenchCallsInFlight,
        pipelinedCalls: rpcBenchPipelinedCalls,
        rpcRoundTripNs: figures.rpcRoundTripNs,
        rpcMeanRoundTripNs: figures.rpcMeanRoundTripNs,
        rpcRoundTripP99Ns: figures.rpcRoundTripP99Ns,
        rpcCallsPerSec: figures.rpcCallsPerSec,
        messagesPerSec: figures.messagesPerSec,
        urpcRoundTripNs: urpc.urpcRoundTripNs,
        urpcMsgsPerSec: urpc.urpcMsgsPerSec,
        promiseLimitCallsPerSec,
        postMessageRoundTripNs: post.oneWayNs * 2,
        postMessageRoundTripP99Ns: post.oneWayP99Ns * 2,
        postMessageCallsPerSec,
        coreSleeps: reports.map((r) => ({ core: r.core, sleeps: r.sleeps, delivered: r.delivered })),
      };
      const ratio = (a: number, b: number, target: RatioTarget) => ({
        value: formatRatio(a / b),
        note: targetNote(a / b, target),
      });
      printResult(
        `bench rpc (${figures.calls} sequential calls, ${rpcBenchCallsInFlight} in flight)`,
        [
          {
            label: "typed call, round trip p50 / mean / p99",
            value: `${formatNs(json.rpcRoundTripNs)} / ${formatNs(json.rpcMeanRoundTripNs)} / ${formatNs(json.rpcRoundTripP99Ns)}`,
            note: "sequential calls, each timed",
          },
          {
            label: "bare URPC channel, round trip p50",
            value: formatNs(json.urpcRoundTripNs),
            note: "zero-copy ping-pong",
          },
          {
            label: "  call mean / channel round trip",
            ...ratio(json.rpcMeanRoundTripNs, json.urpcRoundTripNs, { atMost: 4 }),
          },
          {
            label: "  call p99 / call p50",
            ...ratio(json.rpcRoundTripP99Ns, json.rpcRoundTripNs, { atMost: 10 }),
          },
          {
            label: `typed calls, ${rpcBenchCallsInFlight} in flight`,
            value: formatRate(json.rpcCallsPerSec),
            note: "each lane awaits its call",
          },
          {
            label: "promise limit (one thread)",
            value: formatRate(json.promiseLimitCallsPerSec),
            note: "promise + map + resolve + await",
          },
          {
            label: `postMessage echo, ${rpcBenchCallsInFlight} in flight`,
            value: formatRate(json.postMessageCallsPerSec),
            note: "main thread ↔ worker",
          },
          {
            label: "  calls / promise limit",
            ...ratio(json.rpcCallsPerSec, json.promiseLimitCallsPerSec, { atLeast: 0.5 }),
          },
          {
            label: "  calls / postMessage",
            ...ratio(json.rpcCallsPerSec, json.postMessageCallsPerSec, { atLeast: 10 }),
          },
          { label: "one-way typed messages", value: formatRate(json.messagesPerSec), note: "same binding" },
          {
            label: "bare URPC channel, streaming",
            value: formatRate(json.urpcMsgsPerSec),
            note: "zero-copy",
          },
          {
            label: "  messages / channel",
            ...ratio(json.messagesPerSec, json.urpcMsgsPerSec, { atLeast: 0.3 }),
          },
          {
            label: "postMessage, round trip p50 / p99",
            value: `${formatNs(json.postMessageRoundTripNs)} / ${formatNs(json.postMessageRoundTripP99Ns)}`,
            note: "main thread ↔ worker",
          },
          {
            label: "core sleeps during the run",
            value: reports.map((r) => `core ${r.core}: ${r.sleeps}`).join(", "),
            note: "doorbell sleeps, whole run",
          },
        ],
        json,
        commandOutput(options.json),
      );
    });
};
