// `multikernel bench sharing`: the paper's "sharing is expensive" experiment (src/bench/sharing.ts).
//
// On the host (the default, `--machine host`): N worker threads, N = 1..--cores (default the
// host's available parallelism), each updating 1, 2, 4 or 8 shared cache lines with Atomics.add,
// against N-1 clients sending the same updates by URPC to one server thread. With `--machine
// <name>`, the same experiment in the simulator's cost model on that machine. Prints one row per
// configuration, and with --json, alone on standard output (the table on standard error),
//   {"machine": "host" | <name>, "results": [{"mode", "cores", "lines", "updatesPerSec", "nsPerUpdate"}]}.
import { availableParallelism } from "node:os";
import Table from "cli-table3";
import { InvalidArgumentError } from "commander";
import { formatNs, formatRate, progress } from "../../bench/report.js";
import {
  measureSharing,
  type SharingFigure,
  sharingLinesChoices,
  sharingSimUpdatesDefault,
  sharingThreadsMax,
  sharingUpdatesPerThreadDefault,
  simulateSharing,
} from "../../bench/sharing.js";
import { simCoresMax } from "../../limits.js";
import { loadMachine } from "../../platform/sim/machine.js";
import { coreCountArgument, integerArgument, UsageError } from "../arguments.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

/** Most updates per thread one run may be asked for (`--updates`). */
const sharingUpdatesPerThreadMax = 10_000_000;

interface BenchSharingOptions {
  json: boolean;
  machine: string;
  cores?: number;
  lines: readonly number[];
  updates?: number;
}

/** The machine name that means real threads on this host. */
const hostMachine = "host";

function linesArgument(value: string): readonly number[] {
  const lines = value.split(",").map((part) => Number(part.trim()));
  for (const [i, n] of lines.entries()) {
    if (!sharingLinesChoices.includes(n)) {
      throw new InvalidArgumentError(
        `--lines must be a comma-separated list of ${sharingLinesChoices.join(", ")}; got '${value.split(",")[i]}'`,
      );
    }
  }
  return [...new Set(lines)];
}

export const registerBenchSharing: Registration = ({ bench }) => {
  bench
    .command("sharing")
    .description(
      "Sharing is expensive: shared-memory Atomics updates by N threads against one URPC server doing them.",
    )
    .addOption(jsonOption())
    .option(
      "--machine <name>",
      `"${hostMachine}" for real threads, or a simulated machine (machines/<name>.json)`,
      hostMachine,
    )
    .option(
      "--cores <n>",
      "measure N = 1..n threads (default: the host's available parallelism, or the machine's cores)",
      coreCountArgument("--cores", 1, Math.max(sharingThreadsMax, simCoresMax)),
    )
    .option(
      "--lines <list>",
      `cache lines one update touches, from ${sharingLinesChoices.join(",")}`,
      linesArgument,
      sharingLinesChoices,
    )
    .option(
      "--updates <n>",
      `updates per thread (default ${sharingUpdatesPerThreadDefault} on the host, ${sharingSimUpdatesDefault} simulated)`,
      integerArgument("--updates", 1, sharingUpdatesPerThreadMax),
    )
    .action(async (options: BenchSharingOptions) => {
      const figure = await runBenchSharing(options);
      const output = commandOutput(options.json);
      output.text(renderSharing(figure));
      output.json(figure);
    });
};

/** Runs the experiment on the host or the named machine; refuses core counts it does not have. */
export async function runBenchSharing(options: Omit<BenchSharingOptions, "json">): Promise<SharingFigure> {
  if (options.machine === hostMachine) {
    const max = options.cores ?? availableParallelism();
    if (max > sharingThreadsMax)
      throw new UsageError(`bench sharing: --cores ${max}: at most ${sharingThreadsMax} threads`);
    const updates = options.updates ?? sharingUpdatesPerThreadDefault;
    progress(
      `sharing on the host: 1..${max} threads, lines ${options.lines.join(",")}, ${updates} updates each…`,
    );
    return measureSharing({ cores: range(max), lines: options.lines, updates });
  }
  const machine = loadMachine(options.machine);
  const max = options.cores ?? machine.cores.length;
  if (max > machine.cores.length) {
    throw new UsageError(
      `bench sharing: --cores ${max}: ${machine.name} has only ${machine.cores.length} cores`,
    );
  }
  const updates = options.updates ?? sharingSimUpdatesDefault;
  return simulateSharing(machine.name, { cores: range(max), lines: options.lines, updates });
}

function range(max: number): number[] {
  return Array.from({ length: max }, (_, i) => i + 1);
}

/** One row per configuration: mode, threads, lines, updates per second, ns per update. */
export function renderSharing(figure: SharingFigure): string {
  const table = new Table({
    head: [`sharing on ${figure.machine}`, "threads", "lines", "updates/s (all)", "per update (one thread)"],
    style: { head: [], border: [] },
  });
  for (const r of figure.results) {
    table.push([
      r.mode,
      String(r.cores),
      String(r.lines),
      formatRate(r.updatesPerSec),
      formatNs(r.nsPerUpdate),
    ]);
  }
  return table.toString();
}
