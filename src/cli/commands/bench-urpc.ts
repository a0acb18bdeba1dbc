// `multikernel bench urpc`: URPC against its floor and its rivals, measured in one run.
//
// Measures, one after another on the same machine: the C cache-line ping-pong (the physical floor,
// null without a C compiler), URPC (src/bench/urpc.ts: polling ping-pong, streaming, and wake-up
// latency), and Node's postMessage and MessageChannel ping-pongs. It prints a table with p50 and
// p99 and the ratios URPC/floor and postMessage/URPC; with --json, the table goes to standard error
// and standard output is one object with every figure. A figure that cannot be measured is null, with the reason under
// `unavailable`; progress goes to standard error.
import { availableParallelism, cpus as osCpus } from "node:os";
import { Option } from "commander";
import { measureFloorOutcome } from "../../bench/floor.js";
import { measureMessageChannel, measurePostMessage } from "../../bench/post-message.js";
import {
  formatNs,
  formatRate,
  formatRatio,
  printResult,
  progress,
  type ReportRow,
} from "../../bench/report.js";
import { benchRoundsDefault, benchRoundsMax } from "../../bench/rounds.js";
import { measureUrpc, type UrpcFigures } from "../../bench/urpc.js";
import { cpuPairArgument, integerArgument } from "../arguments.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";
import { runBenchUrpcSim } from "./bench-urpc-sim.js";

interface BenchUrpcOptions {
  json: boolean;
  rounds: number;
  cpus: readonly [number, number];
}

/** Everything `bench urpc --json` prints, in one object. */
export interface BenchUrpcReport {
  benchmark: "urpc";
  node: string;
  /** The two CPUs the native floor was pinned to. */
  cpus: readonly [number, number];
  /** CPUs this process may run on. */
  hostCpus: number;
  rounds: number;
  floorOneWayNs: number | null;
  floorOneWayP99Ns: number | null;
  urpcOneWayNs: number | null;
  urpcOneWayP99Ns: number | null;
  /** Ping-pong with both sides copying each message from a buffer (sendBlocking). */
  urpcCopyOneWayNs: number | null;
  urpcCopyOneWayP99Ns: number | null;
  /** Streaming one-slot messages written straight into their slots (reserveSlot/commit). */
  urpcMsgsPerSec: number | null;
  /** Streaming one-slot messages copied from the caller's buffer (trySendDeferred). */
  urpcCopyMsgsPerSec: number | null;
  /** Streaming through the barest JavaScript ring of the same geometry (src/bench/bare-ring.ts): the baseline. */
  bareRingMsgsPerSec: number | null;
  urpcWakeOneWayNs: number | null;
  postMessageOneWayNs: number;
  postMessageOneWayP99Ns: number;
  messageChannelOneWayNs: number;
  messageChannelOneWayP99Ns: number;
  /** urpcOneWayNs / floorOneWayNs: how far URPC is above the hardware. */
  urpcVsFloor: number | null;
  /** postMessageOneWayNs / urpcOneWayNs: how much faster URPC is than postMessage. */
  postMessageVsUrpc: number | null;
  /** messageChannelOneWayNs / urpcOneWayNs. */
  messageChannelVsUrpc: number | null;
  /** urpcMsgsPerSec / bareRingMsgsPerSec: how much of the bare ring's rate the channel keeps. */
  urpcVsBareRing: number | null;
  /** Why a figure is null, by measurement. */
  unavailable: { floor?: string; urpc?: string };
}

export const registerBenchUrpc: Registration = ({ bench }) => {
  const defaultCpus = osCpus().length >= 2 ? "0,1" : "0,0";
  const cpuPair = cpuPairArgument("--cpus", osCpus().length);
  bench
    .command("urpc")
    .description(
      "URPC latency and throughput against the C cache-line floor, postMessage and MessageChannel.",
    )
    .addOption(jsonOption())
    .option(
      "--rounds <n>",
      `round trips per ping-pong measurement, 1 to ${benchRoundsMax}`,
      integerArgument("--rounds", 1, benchRoundsMax),
      benchRoundsDefault,
    )
    .addOption(
      new Option("--cpus <a,b>", "the two CPUs the native floor is pinned to")
        .argParser(cpuPair)
        .default(cpuPair(defaultCpus), defaultCpus),
    )
    .option("--machine <name>", "print the simulated Table 2 of a machine model (machines/*.json) instead")
    .action(async (options: BenchUrpcOptions & { machine?: string }) => {
      if (options.machine !== undefined) {
        runBenchUrpcSim(options.machine, commandOutput(options.json));
        return;
      }
      const report = await runBenchUrpc(options);
      printResult(
        `bench urpc (${report.rounds} rounds, node ${report.node})`,
        rows(report),
        report,
        commandOutput(options.json),
      );
    });
};

/** Runs every measurement of `bench urpc` and gathers the figures. */
export async function runBenchUrpc(options: Omit<BenchUrpcOptions, "json">): Promise<BenchUrpcReport> {
  const { rounds, cpus } = options;
  const unavailable: BenchUrpcReport["unavailable"] = {};

  progress(`floor: C cache-line ping-pong on CPUs ${cpus[0]} and ${cpus[1]}…`);
  const floor = await measureFloorOutcome({ cpus });
  if (floor.result === null) unavailable.floor = floor.reason;

  progress(`urpc: ${rounds} round trips…`);
  let urpc: UrpcFigures | null = null;
  try {
    urpc = await measureUrpc({ rounds });
  } catch (error) {
    unavailable.urpc = error instanceof Error ? error.message : String(error);
  }

  progress(`postMessage: ${rounds} round trips…`);
  const postMessage = await measurePostMessage(rounds);
  progress(`MessageChannel: ${rounds} round trips…`);
  const messageChannel = await measureMessageChannel(rounds);

  const floorOneWayNs = floor.result?.oneWayNsMedian ?? null;
  const urpcOneWayNs = urpc?.urpcOneWayNs ?? null;
  return {
    benchmark: "urpc",
    node: process.version,
    cpus,
    hostCpus: availableParallelism(),
    rounds,
    floorOneWayNs,
    floorOneWayP99Ns: floor.result?.oneWayNsP99 ?? null,
    urpcOneWayNs,
    urpcOneWayP99Ns: urpc?.urpcOneWayP99Ns ?? null,
    urpcCopyOneWayNs: urpc?.urpcCopyOneWayNs ?? null,
    urpcCopyOneWayP99Ns: urpc?.urpcCopyOneWayP99Ns ?? null,
    urpcMsgsPerSec: urpc?.urpcMsgsPerSec ?? null,
    urpcCopyMsgsPerSec: urpc?.urpcCopyMsgsPerSec ?? null,
    bareRingMsgsPerSec: urpc?.bareRingMsgsPerSec ?? null,
    urpcWakeOneWayNs: urpc?.urpcWakeOneWayNs ?? null,
    postMessageOneWayNs: postMessage.oneWayNs,
    postMessageOneWayP99Ns: postMessage.oneWayP99Ns,
    messageChannelOneWayNs: messageChannel.oneWayNs,
    messageChannelOneWayP99Ns: messageChannel.oneWayP99Ns,
    urpcVsFloor: ratio(urpcOneWayNs, floorOneWayNs),
    postMessageVsUrpc: ratio(postMessage.oneWayNs, urpcOneWayNs),
    messageChannelVsUrpc: ratio(messageChannel.oneWayNs, urpcOneWayNs),
    urpcVsBareRing: ratio(urpc?.urpcMsgsPerSec ?? null, urpc?.bareRingMsgsPerSec ?? null),
    unavailable,
  };
}

function ratio(numerator: number | null, denominator: number | null): number | null {
  if (numerator === null || denominator === null || denominator <= 0) return null;
  return numerator / denominator;
}

function rows(r: BenchUrpcReport): ReportRow[] {
  const p50p99 = (p50: number | null, p99: number | null): string => `${formatNs(p50)} / ${formatNs(p99)}`;
  return [
    {
      label: "floor: C cache-line ping-pong, one way (p50 / p99)",
      value: p50p99(r.floorOneWayNs, r.floorOneWayP99Ns),
      note: r.unavailable.floor ?? `pinned to CPUs ${r.cpus[0]},${r.cpus[1]}; per-batch averages`,
    },
    {
      label: "URPC ping-pong, one way (p50 / p99)",
      value: p50p99(r.urpcOneWayNs, r.urpcOneWayP99Ns),
      note: r.unavailable.urpc ?? "both sides polling; written into the slot, echoed slot to slot",
    },
    {
      label: "URPC ping-pong, copied sends, one way (p50 / p99)",
      value: p50p99(r.urpcCopyOneWayNs, r.urpcCopyOneWayP99Ns),
      note: r.unavailable.urpc ?? "both sides polling; copied from a buffer (sendBlocking)",
    },
    {
      label: "URPC streaming, one-slot messages",
      value: formatRate(r.urpcMsgsPerSec),
      note: r.unavailable.urpc ?? "60 bytes written into the slot (reserveSlot/commit)",
    },
    {
      label: "URPC streaming, copied sends",
      value: formatRate(r.urpcCopyMsgsPerSec),
      note: r.unavailable.urpc ?? "60 bytes copied from a buffer (trySendDeferred)",
    },
    {
      label: "baseline: bare JavaScript ring, streaming",
      value: formatRate(r.bareRingMsgsPerSec),
      note: r.unavailable.urpc ?? "same geometry, no checks, no handler (src/bench/bare-ring.ts)",
    },
    {
      label: "URPC wake-up, one way (receiver asleep)",
      value: formatNs(r.urpcWakeOneWayNs),
      note: r.unavailable.urpc ?? "",
    },
    {
      label: "postMessage ping-pong, one way (p50 / p99)",
      value: p50p99(r.postMessageOneWayNs, r.postMessageOneWayP99Ns),
      note: "main thread ↔ worker",
    },
    {
      label: "MessageChannel ping-pong, one way (p50 / p99)",
      value: p50p99(r.messageChannelOneWayNs, r.messageChannelOneWayP99Ns),
      note: "main thread ↔ worker over a port pair",
    },
    { label: "URPC / floor", value: formatRatio(r.urpcVsFloor), note: "one-way p50" },
    { label: "URPC streaming / bare ring", value: formatRatio(r.urpcVsBareRing), note: "zero-copy, medians" },
    { label: "postMessage / URPC", value: formatRatio(r.postMessageVsUrpc), note: "one-way p50" },
    { label: "MessageChannel / URPC", value: formatRatio(r.messageChannelVsUrpc), note: "one-way p50" },
  ];
}
