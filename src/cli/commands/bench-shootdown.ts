// `multikernel bench shootdown`: the paper's TLB-shootdown figure, simulated on a machine model.
//
// Runs src/bench/shootdown-sim.ts: the latency of one unmap, in virtual cycles, for each protocol
// (broadcast, unicast, multicast, numa-multicast, and the shared-memory baseline) at each core
// count of --core-counts. Prints a table like the paper's figure — one row per core count, one
// column per protocol — and with --json, alone on standard output (the table on standard error),
//   {"machine": …, "results": [{"protocol": …, "cores": …, "latencyCycles": …}]}.
// A core count above the machine's core count (or below 2) is refused with an error naming it.
// `--cores` (a count everywhere else) is refused here with a hint to --core-counts.
import Table from "cli-table3";
import { Option } from "commander";
import {
  measureShootdownReal,
  type RealShootdownFigure,
  shootdownRealCoreCountsDefault,
} from "../../bench/shootdown-real.js";
import {
  type ShootdownFigure,
  shootdownBenchProtocols,
  simulateShootdown,
} from "../../bench/shootdown-sim.js";
import { simCoresMax } from "../../limits.js";
import { loadMachine } from "../../platform/sim/machine.js";
import { integerArgument, UsageError } from "../arguments.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

/** Core counts simulated unless `--core-counts` says otherwise (those above the machine's are dropped). */
const shootdownBenchCoreCountsDefault: readonly number[] = [2, 4, 8, 16, 32];

interface BenchShootdownOptions {
  json: boolean;
  real: boolean;
  machine: string;
  coreCounts?: readonly number[];
}

/** The machine the figure is simulated on unless `--machine` names another (the paper's 4×4 AMD). */
const machineDefault = "amd-4x4";

/** Parses "2,4,8": core counts, each an integer in [2, simCoresMax], distinct, in the order given. */
function coreCountsArgument(value: string): readonly number[] {
  const count = integerArgument("--core-counts", 2, simCoresMax);
  const counts = value.split(",").map((part) => count(part));
  return [...new Set(counts)];
}

/** `--cores` here would read as a count; the series of counts is --core-counts. */
function refuseCores(value: string): never {
  throw new UsageError(
    `bench shootdown takes its core counts as --core-counts (e.g. --core-counts ${value})`,
  );
}

export const registerBenchShootdown: Registration = ({ bench }) => {
  bench
    .command("shootdown")
    .description(
      "TLB shootdown (simulated): cycles of one unmap by protocol and core count, against the shared-memory baseline.",
    )
    .addOption(jsonOption())
    .option("--machine <name>", "the simulated machine (machines/<name>.json)", machineDefault)
    .option("--real", "measure on this machine's cores instead (examples/tlb-shootdown.js; ns)", false)
    .option(
      "--core-counts <counts>",
      `core counts, comma-separated, e.g. 2,4,8,16 (default ${shootdownBenchCoreCountsDefault.join(",")}, up to the machine's)`,
      coreCountsArgument,
    )
    .addOption(new Option("--cores <n>").hideHelp().argParser(refuseCores))
    .action(async (options: BenchShootdownOptions) => {
      const output = commandOutput(options.json);
      if (options.real) {
        const real = await measureShootdownReal(options.coreCounts ?? shootdownRealCoreCountsDefault);
        output.text(renderRealFigure(real));
        output.json(real);
        return;
      }
      const figure = runBenchShootdown(options.machine, options.coreCounts);
      output.text(renderFigure(figure));
      output.json(figure);
    });
};

/** Checks the core counts against the machine and simulates the figure. */
export function runBenchShootdown(machineName: string, coreCounts?: readonly number[]): ShootdownFigure {
  const machine = loadMachine(machineName);
  const coreCount = machine.cores.length;
  let counts: readonly number[];
  if (coreCounts === undefined) {
    counts = shootdownBenchCoreCountsDefault.filter((n) => n <= coreCount);
  } else {
    const over = coreCounts.filter((n) => n > coreCount);
    if (over.length > 0) {
      throw new UsageError(
        `bench shootdown: --core-counts ${over.join(",")}: ${machine.name} has only ${coreCount} cores`,
      );
    }
    counts = coreCounts;
  }
  return simulateShootdown(machine.name, counts, shootdownBenchProtocols);
}

/** The measured figure as a table: rows are core counts, columns protocols, cells µs. */
export function renderRealFigure(figure: RealShootdownFigure): string {
  const protocols = [...new Set(figure.results.map((r) => r.protocol))];
  const counts = [...new Set(figure.results.map((r) => r.cores))];
  const table = new Table({ head: ["host: unmap, µs", ...protocols], style: { head: [], border: [] } });
  for (const cores of counts) {
    const cells = protocols.map((protocol) => {
      const point = figure.results.find((r) => r.protocol === protocol && r.cores === cores);
      return point === undefined ? "n/a" : (point.latencyNs / 1000).toFixed(1);
    });
    table.push([`${cores} cores`, ...cells]);
  }
  return table.toString();
}

/** The figure as a table: rows are core counts, columns protocols, cells cycles. */
export function renderFigure(figure: ShootdownFigure): string {
  const protocols = [...new Set(figure.results.map((r) => r.protocol))];
  const counts = [...new Set(figure.results.map((r) => r.cores))];
  const table = new Table({
    head: [`${figure.machine}: unmap, cycles`, ...protocols],
    style: { head: [], border: [] },
  });
  for (const cores of counts) {
    const cells = protocols.map((protocol) => {
      const point = figure.results.find((r) => r.protocol === protocol && r.cores === cores);
      return point === undefined ? "n/a" : String(point.latencyCycles);
    });
    table.push([`${cores} cores`, ...cells]);
  }
  return table.toString();
}
