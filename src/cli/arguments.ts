// Parsers for command-line option values, shared by every command.
//
// Each returns a commander argument parser that either yields a checked value or throws commander's
// InvalidArgumentError with a message naming the option, so that a bad value is reported as
// "error: option '--rounds <n>' argument 'abc' is invalid. --rounds must be …" and exits with 1.
import { InvalidArgumentError } from "commander";
import { parseCpuList } from "../skb/cpu-list.js";

/** An integer in [min, max], written in decimal digits (with an optional sign and `_` separators). */
export function integerArgument(optionName: string, min: number, max: number): (value: string) => number {
  return (value: string): number => {
    const text = value.trim().replaceAll("_", "");
    const parsed = /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${optionName} must be an integer in [${min}, ${max}], got '${value}'.`);
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
      throw new InvalidArgumentError(`${optionName} must be two CPU numbers written A,B, got '${value}'.`);
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
      throw new InvalidArgumentError(`${optionName}: ${(error as Error).message}`);
    }
    if (cores.length === 0) throw new InvalidArgumentError(`${optionName} names no core: '${value}'.`);
    const over = cores.find((core) => core >= coreCountMax);
    if (over !== undefined) {
      throw new InvalidArgumentError(
        `${optionName}: core ${over} does not exist (at most ${coreCountMax} cores).`,
      );
    }
    return cores;
  };
}
