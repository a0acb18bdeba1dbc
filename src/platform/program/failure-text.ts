// How a domain's failure is described: its message, and where it happened in the program's own
// files.
//
// A domain's main throws, rejects, or its program fails to load; the report must say what and
// where (`TypeError: …` alone, with no file or line, leaves the user guessing). So a failure is
// described as its message (describeThrown: never throws, whatever was thrown) and the frames of
// its stack, `    at main (file:///home/me/counter.ts:12:5)`, as V8 writes them: a TypeScript
// program's frames name its .ts lines (program-loader.ts). Frames of this package's own code (dist/src, or src/ through its source maps)
// and of Node's internals are dropped: they are the same for every failure and would crowd the
// program's out of the bounded exit message (limits.spawnExitErrorBytesMax). When no frame is
// left (the library itself threw), the innermost frame is kept, so that a text always says where.
// At most failureFramesMax frames are kept, innermost first.

import { fileURLToPath } from "node:url";
import { describeThrown } from "../../cpu-driver/describe-thrown.js";
import { failureFramesMax } from "../../limits.js";

/** What a failure was and where: its message, and the frames of its stack worth showing. */
export interface FailureDescription {
  readonly message: string;
  /** `    at …` lines, innermost first; empty when the value thrown was not an Error. */
  readonly frames: readonly string[];
}

/** This package's root (the folder holding dist/ and src/), from this file at dist/src/platform/program. */
const packageRoot = new URL("../../../../", import.meta.url);
/** Where this package's own frames come from, as URLs and as paths (source-mapped frames are paths). */
const internalPrefixes: readonly string[] = ["dist/src/", "src/"].flatMap((folder) => {
  const url = new URL(folder, packageRoot);
  return [url.href, fileURLToPath(url)];
});

/** The message and the program's frames of a thrown value (see the file comment); never throws. */
export function describeFailure(thrown: unknown): FailureDescription {
  return { message: describeThrown(thrown), frames: programFrames(stackOf(thrown)) };
}

/**
 * A program that cannot be run (program-loader.ts): its message says what was wrong, where, and
 * what to do; its own frames are the loader's, so its text is its message alone.
 */
export class ProgramLoadError extends Error {
  override readonly name = "ProgramLoadError";
}

/** The message, then one line per frame: the text a failed dispatcher reports. */
export function failureText(thrown: unknown): string {
  if (thrown instanceof ProgramLoadError) return thrown.message;
  const { message, frames } = describeFailure(thrown);
  return [message, ...frames].join("\n");
}

/** An Error's stack, or "" for anything else or a stack whose getter throws. */
function stackOf(thrown: unknown): string {
  try {
    if (!(thrown instanceof Error)) return "";
    const stack: unknown = thrown.stack;
    return typeof stack === "string" ? stack : "";
  } catch {
    return "";
  }
}

/** The `at` lines of a stack that are the program's (see the file comment), at most failureFramesMax. */
export function programFrames(stack: string): string[] {
  const frames = stack.split("\n").filter((line) => /^\s+at /.test(line));
  const kept = frames.filter((frame) => !isInternalFrame(frame));
  const chosen = kept.length > 0 ? kept : frames.slice(0, 1);
  return chosen.slice(0, failureFramesMax).map((frame) => `    ${frame.trim()}`);
}

function isInternalFrame(frame: string): boolean {
  if (/\(?node:/.test(frame) || frame.includes("<anonymous>") || /\(index \d+\)$/.test(frame)) return true;
  return internalPrefixes.some((prefix) => frame.includes(prefix));
}
