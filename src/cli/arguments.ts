// Parsers for command-line option values, shared by every command, and the usage error they throw.
//
// Each returns a commander argument parser that either yields a checked value or throws a
// `UsageError` with a message naming the option, so that a bad value is reported as
// "error: option '--rounds <n>' argument 'abc' is invalid. --rounds must be …" and exits with
// status 2 (main.ts). A command's own check of its arguments throws a `UsageError` too.
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { parseCpuList } from "../skb/cpu-list.js";

/**
 * A usage error: the command line was wrong, not the run. main.ts exits with status 2 for it.
 * It is commander's InvalidArgumentError, so that thrown from an option's parser commander reports
 * it as a bad value of that option.
 */
export class UsageError extends InvalidArgumentError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Text that reads as a list of cores ("0-3", "0,2,5", "1-2,6") rather than a count. */
const coreListPattern = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/**
 * A count of cores for `optionName` (always `--cores`), in [min, max]. A core list given instead
 * ("0-3") is refused with a hint: `--core-list 0-3` where the command has that option
 * (`listOption`), else that this option is a count.
 */
export function coreCountArgument(
  optionName: string,
  min: number,
  max: number,
  listOption?: string,
): (value: string) => number {
  const count = integerArgument(optionName, min, max);
  return (value: string): number => {
    const text = value.trim();
    if (/[-,]/.test(text) && coreListPattern.test(text)) {
      throw new UsageError(
        listOption === undefined
          ? `${optionName} is a count of cores (N means cores 0..N-1), not a list like '${text}'.`
          : `${optionName} is a count of cores (N means cores 0..N-1); for the list '${text}' use ${listOption} ${text}.`,
      );
    }
    return count(value);
  };
}

/** An integer in [min, max], written in decimal digits (with an optional sign and `_` separators). */
export function integerArgument(optionName: string, min: number, max: number): (value: string) => number {
  return (value: string): number => {
    const text = value.trim().replaceAll("_", "");
    const parsed = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new UsageError(`${optionName} must be an integer in [${min}, ${max}], got '${value}'.`);
    }
    return parsed;
  };
}

/** Two distinct-or-equal CPU numbers written "A,B", each in [0, cpuCount - 1]. */
export function cpuPairArgument(
  optionName: string,
  cpuCount: number,
): (value: string) => readonly [number, number] {
  const cpu = integerArgument(optionName, 0, Math.max(0, cpuCount - 1));
  return (value: string): readonly [number, number] => {
    const parts = value.split(",");
    if (parts.length !== 2) {
      throw new UsageError(`${optionName} must be two CPU numbers written A,B, got '${value}'.`);
    }
    return [cpu(parts[0] as string), cpu(parts[1] as string)];
  };
}

/** A list of core numbers written like "0-3,6", each below `coreCountMax`. */
export function coreListArgument(
  optionName: string,
  coreCountMax: number,
): (value: string) => readonly number[] {
  return (value: string): readonly number[] => {
    let cores: number[];
    try {
      cores = parseCpuList(value);
    } catch (error) {
      throw new UsageError(`${optionName}: ${(error as Error).message}`);
    }
    if (cores.length === 0) throw new UsageError(`${optionName} names no core: '${value}'.`);
    const over = cores.find((core) => core >= coreCountMax);
    if (over !== undefined) {
      throw new UsageError(`${optionName}: core ${over} does not exist (at most ${coreCountMax} cores).`);
    }
    return cores;
  };
}

/**
 * A file `optionName` will write once the command has run (a trace): checked at once, so that a
 * path that cannot be written fails before the run rather than after it. Its folder must exist
 * and be writable, and the file, if it exists, a writable file (not a folder); nothing is created here.
 */
export function outputFileArgument(optionName: string): (value: string) => string {
  return (value) => {
    const folder = dirname(resolve(value));
    const problem = (path: string, what: string): string | undefined => {
      try {
        accessSync(path, constants.W_OK);
        return undefined;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return code === "ENOENT" ? `${what} does not exist` : `${what} cannot be written (${code})`;
      }
    };
    // A folder passes the access check but cannot be written as a file (EISDIR, after the run).
    const why = !existsSync(value)
      ? problem(folder, `its folder ${folder}`)
      : statSync(value).isDirectory()
        ? "it is a folder, not a file"
        : problem(value, `the file ${value}`);
    if (why !== undefined) throw new UsageError(`${optionName} ${value}: ${why}`);
    return value;
  };
}
