// The options that choose cores, one spelling per meaning across every command:
//
//   --cores N          a count: cores 0..N-1 (boot, skb, start, run, sim, bench …)
//   --core-list LIST   an explicit list, e.g. 0-3 or 0,2,5 (run, sim: the cores a domain spans)
//
// `bench shootdown` takes its series of counts as --core-counts (bench-shootdown.ts). A list given
// to --cores is a usage error that names --core-list; --cores and --core-list together are one too
// (commander's `conflicts`, exit status 2). `chosenCores` turns either into the list of cores.
import { Option } from "commander";
import { coreCountArgument, coreListArgument } from "./arguments.js";

/** The name of the list option, as the hint of a list given to --cores spells it. */
const coreListFlag = "--core-list";

/** `--cores <n>` for a command that also takes --core-list: cores 0..N-1, no default (see chosenCores). */
export function coreCountOption(coresMax: number, description: string): Option {
  return new Option("--cores <n>", description).argParser(
    coreCountArgument("--cores", 1, coresMax, coreListFlag),
  );
}

/** `--core-list <list>`: an explicit list of cores, each below `coresMax`; not with --cores. */
export function coreListOption(coresMax: number, description: string): Option {
  return new Option(`${coreListFlag} <list>`, description)
    .argParser(coreListArgument(coreListFlag, coresMax))
    .conflicts("cores");
}

/** Cores 0..count-1. */
export function firstCores(count: number): readonly number[] {
  return Array.from({ length: count }, (_, core) => core);
}

/** The cores that --core-list names, else 0..N-1 for --cores N, else the command's default. */
export function chosenCores(
  options: { cores?: number; coreList?: readonly number[] },
  coresDefault: readonly number[],
): readonly number[] {
  if (options.coreList !== undefined) return options.coreList;
  if (options.cores !== undefined) return firstCores(options.cores);
  return coresDefault;
}
