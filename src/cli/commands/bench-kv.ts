// `multikernel bench kv`: the sharded key-value store of examples/kv-store.ts as a domain spanning N
// cores, every core a shard server and a pipelined client of every shard, against the same store
// and workload over postMessage between N worker threads and on one thread with one Map, in one run.
//
// It measures, in this order (src/bench/kv-*.ts): the multikernel (kv-multikernel.ts), the
// postMessage baseline (kv-post-message.ts), the single-thread baseline (kv-single-thread.ts). Each
// checks every get against a model of what was put and fails the command on a wrong one. The table
// shows operations per second, each client's latency per operation, and the ratio to postMessage;
// with `--json`, standard output is every figure as one object (the table goes to standard error).
import { availableParallelism } from "node:os";
import type { KvFigures } from "../../bench/kv-figures.js";
import { measureMultikernelKv } from "../../bench/kv-multikernel.js";
import { measurePostMessageKv } from "../../bench/kv-post-message.js";
import {
  type KvSettings,
  kvCoresDefault,
  kvGetPercent,
  kvKeysPerClient,
  kvOpsPerClientDefault,
  kvOpsPerClientMax,
  kvSettings,
  kvWindowDefault,
  kvWindowMax,
} from "../../bench/kv-settings.js";
import { type KvSingleThreadFigures, measureSingleThreadKv } from "../../bench/kv-single-thread.js";
import { formatNs, formatRate, formatRatio, printResult, progress, targetNote } from "../../bench/report.js";
import { realCoresMax } from "../../limits.js";
import { coreCountArgument, integerArgument } from "../arguments.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

/** The ratio of the multikernel's throughput to postMessage's that the table names as the target. */
const kvVsPostMessageTarget = 10;

interface BenchKvOptions {
  cores: number;
  ops: number;
  window: number;
  json: boolean;
}

export const registerBenchKv: Registration = ({ bench }) => {
  bench
    .command("kv")
    .description(
      "Sharded key-value store on N cores, every core a shard and a pipelined client, against postMessage workers and one thread.",
    )
    .option(
      "--cores <n>",
      `cores (shards and clients), 1 to ${realCoresMax}`,
      coreCountArgument("--cores", 1, realCoresMax),
      kvCoresDefault,
    )
    .option(
      "--ops <n>",
      `timed operations per client, 1 to ${kvOpsPerClientMax}`,
      integerArgument("--ops", 1, kvOpsPerClientMax),
      kvOpsPerClientDefault,
    )
    .option(
      "--window <n>",
      `operations in flight per client, 1 to ${kvWindowMax}`,
      integerArgument("--window", 1, kvWindowMax),
      kvWindowDefault,
    )
    .addOption(jsonOption())
    .action(async (options: BenchKvOptions) => {
      const { cores } = options;
      const settings = kvSettings(options.ops, options.window);
      const what = `${settings.opsPerClient} ops per client, ${settings.window} in flight`;
      progress(`kv: multikernel domain on ${cores} cores, ${what}…`);
      const kv = await measureMultikernelKv(cores, settings);
      progress(`kv: postMessage between ${cores} workers, ${what}…`);
      const post = await measurePostMessageKv(cores, settings);
      progress(`kv: one thread, one Map…`);
      const single = measureSingleThreadKv(cores, settings);
      report(options, settings, kv, post, single);
    });
};

function report(
  options: BenchKvOptions,
  settings: KvSettings,
  kv: KvFigures,
  post: KvFigures,
  single: KvSingleThreadFigures,
): void {
  const json = {
    benchmark: "kv",
    cores: options.cores,
    cpus: availableParallelism(),
    opsPerClient: settings.opsPerClient,
    warmupOpsPerClient: settings.warmupOpsPerClient,
    window: settings.window,
    keysPerClient: kvKeysPerClient,
    getPercent: kvGetPercent,
    kvOpsPerSec: kv.opsPerSec,
    kvMeanOpNs: kv.meanOpNs,
    kvP50OpNs: kv.p50OpNs,
    kvP99OpNs: kv.p99OpNs,
    kvGetsChecked: kv.getsChecked,
    postMessageKvOpsPerSec: post.opsPerSec,
    postMessageKvMeanOpNs: post.meanOpNs,
    postMessageKvP50OpNs: post.p50OpNs,
    postMessageKvP99OpNs: post.p99OpNs,
    postMessageKvGetsChecked: post.getsChecked,
    singleThreadKvOpsPerSec: single.opsPerSec,
    singleThreadKvGetsChecked: single.getsChecked,
    kvVsPostMessage: kv.opsPerSec / post.opsPerSec,
    kvVsSingleThread: kv.opsPerSec / single.opsPerSec,
    node: process.version,
  };
  const latency = (f: KvFigures): string =>
    `${formatNs(f.p50OpNs)} / ${formatNs(f.meanOpNs)} / ${formatNs(f.p99OpNs)}`;
  /** A client's latency includes its wait behind the other operations of its window. */
  const latencyNote = `as a client sees it, ${settings.window} in flight per client`;
  printResult(
    `bench kv (${options.cores} cores, ${settings.opsPerClient} ops per client, window ${settings.window})`,
    [
      {
        label: "multikernel: ops/s, all clients",
        value: formatRate(json.kvOpsPerSec),
        note: "domain over URPC, rpc bindings",
      },
      {
        label: "multikernel: latency per op (p50 / mean / p99)",
        value: latency(kv),
        note: latencyNote,
      },
      {
        label: "postMessage: ops/s, all clients",
        value: formatRate(json.postMessageKvOpsPerSec),
        note: "workers over MessageChannel",
      },
      {
        label: "postMessage: latency per op (p50 / mean / p99)",
        value: latency(post),
        note: latencyNote,
      },
      {
        label: "one thread, one Map: ops/s",
        value: formatRate(json.singleThreadKvOpsPerSec),
        note: "no messages",
      },
      {
        label: "multikernel / postMessage (ops/s)",
        value: formatRatio(json.kvVsPostMessage),
        note:
          options.cores === 2
            ? targetNote(json.kvVsPostMessage, { atLeast: kvVsPostMessageTarget })
            : `target on 2 cores: ≥ ${kvVsPostMessageTarget}×`,
      },
      {
        label: "multikernel / one thread (ops/s)",
        value: formatRatio(json.kvVsSingleThread),
        note: "one thread sends no message at all",
      },
      {
        label: "gets checked against the model",
        value: `${kv.getsChecked} / ${post.getsChecked} / ${single.getsChecked}`,
        note: "multikernel / postMessage / one thread; all right",
      },
    ],
    json,
    commandOutput(options.json),
  );
}
