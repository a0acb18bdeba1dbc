// `multikernel bench rpc`: the round trip of a typed call between dispatchers on two cores (URPC,
// through a binding made by the monitors), against the same call over postMessage, in one run.
//
// It boots two cores, runs src/bench/domains/rpc-bench.js on them (core 0 serves, core 1 calls and
// prints its figures), then measures the postMessage round trip of the same call's arguments
// between the main thread and a worker.
import { fileURLToPath } from "node:url";
import { measurePostMessage } from "../../bench/post-message.js";
import { formatNs, formatRatio, printResult, progress } from "../../bench/report.js";
import { benchRoundsDefault, benchRoundsMax } from "../../limits.js";
import { boot } from "../../platform/real/boot.js";
import { integerArgument } from "../arguments.js";
import type { Registration } from "../registration.js";

const domainPath = fileURLToPath(new URL("../../bench/domains/rpc-bench.js", import.meta.url));
const resultPrefix = "rpc-bench: ";

export const registerBenchRpc: Registration = ({ bench }) => {
  bench
    .command("rpc")
    .description(
      "Typed call between dispatchers on two cores over URPC, against the same call over postMessage.",
    )
    .option(
      "--rounds <n>",
      `timed calls, 1 to ${benchRoundsMax}`,
      integerArgument("--rounds", 1, benchRoundsMax),
      benchRoundsDefault,
    )
    .option("--json", "print one JSON object as the last line", false)
    .action(async (options: { rounds: number; json: boolean }) => {
      process.env.MULTIKERNEL_RPC_ROUNDS = String(options.rounds);
      let figures: { rpcRoundTripNs: number; rpcRoundTripP99Ns: number } | undefined;
      progress(`rpc: ${options.rounds} typed calls between cores 0 and 1…`);
      const system = await boot({
        cores: 2,
        measureLatency: false,
        onLog: (line) => {
          const at = line.indexOf(resultPrefix);
          if (at >= 0) figures = JSON.parse(line.slice(at + resultPrefix.length));
        },
      });
      try {
        const result = await system.run(domainPath, [0, 1]);
        if (result.status !== 0)
          throw new Error(`rpc bench domain failed: ${result.exits.map((e) => e.error).join("; ")}`);
      } finally {
        await system.shutdown();
      }
      if (figures === undefined) throw new Error("rpc bench domain printed no figures");
      progress(`postMessage: ${options.rounds} round trips…`);
      const post = await measurePostMessage(options.rounds);
      const postMessageRoundTripNs = post.oneWayNs * 2;
      const json = {
        benchmark: "rpc",
        rounds: options.rounds,
        rpcRoundTripNs: figures.rpcRoundTripNs,
        rpcRoundTripP99Ns: figures.rpcRoundTripP99Ns,
        postMessageRoundTripNs,
        postMessageRoundTripP99Ns: post.oneWayP99Ns * 2,
        speedup: postMessageRoundTripNs / figures.rpcRoundTripNs,
      };
      printResult(
        `bench rpc (${options.rounds} calls)`,
        [
          {
            label: "typed call over URPC, round trip (p50 / p99)",
            value: `${formatNs(json.rpcRoundTripNs)} / ${formatNs(json.rpcRoundTripP99Ns)}`,
            note: "dispatchers on cores 0 and 1",
          },
          {
            label: "postMessage, round trip (p50 / p99)",
            value: `${formatNs(postMessageRoundTripNs)} / ${formatNs(json.postMessageRoundTripP99Ns)}`,
            note: "main thread ↔ worker",
          },
          {
            label: "postMessage / URPC call",
            value: formatRatio(json.speedup),
            note: "target: at least 20×",
          },
        ],
        json,
        options.json,
      );
    });
};
