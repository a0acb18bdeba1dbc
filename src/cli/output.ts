// Where a command's output goes: the one rule every command of `multikernel` follows.
//
// Without --json, a command writes for people: its tables, logs and domain output on standard
// output. With --json, standard output carries exactly one JSON document and nothing else, so that
// `multikernel … --json | jq .` works: everything written for people (tables, boot logs, domain
// output lines, notes) goes to standard error instead. Progress (bench/report.ts's `progress`, the
// report's bar) is on standard error in both modes. A command gets a `CommandOutput` from
// `commandOutput(options.json)` and writes only through it; `jsonOption()` is the --json option
// itself, worded the same for every command.
import { Option } from "commander";
import { jsonLine, type TextSink } from "../bench/report.js";

/** A command's two streams; tests pass their own. */
export interface OutputStreams {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}

/** What a command writes through: text for people, and (with --json) its one JSON document. */
export interface CommandOutput {
  /** Whether the command was given --json. */
  readonly asJson: boolean;
  /** Text for people (a newline is added): standard output, or standard error under --json. */
  text(text: string): void;
  /** The command's result: with --json, one line of JSON on standard output; without, nothing. A second call throws. */
  json(value: object): void;
}

const processStreams: OutputStreams = { stdout: process.stdout, stderr: process.stderr };

/** The output of a command run with (`asJson`) or without --json. */
export function commandOutput(asJson: boolean, streams: OutputStreams = processStreams): CommandOutput {
  let jsonWritten = false;
  return {
    asJson,
    text(text: string): void {
      (asJson ? streams.stderr : streams.stdout).write(`${text}\n`);
    },
    json(value: object): void {
      if (jsonWritten) throw new Error("a command printed a second JSON document; --json allows one");
      jsonWritten = true;
      if (asJson) streams.stdout.write(`${jsonLine(value)}\n`);
    },
  };
}

/** The --json option, the same words on every command that has it. */
export function jsonOption(): Option {
  return new Option(
    "--json",
    "print one JSON document on standard output, and everything else on standard error",
  ).default(false);
}
