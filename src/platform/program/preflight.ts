// The check before a run: does the program exist, and can it be loaded? Once, before any core
// boots or loads it, so that a mistake is one clear error with a hint instead of one per core
// after the boot.
//
// `run` (the CLI's, before it boots) and Multikernel.run call checkProgram. A file: program must
// exist: if not, the error names the files beside it that it may have meant (`./counter.js` when
// `./counter.ts` is there). Then it is loaded once, as a core loads it, in a thread of its own
// (preflight-worker.ts), which is ended afterwards: that thread's import runs the program's top
// level once more (as each core's does), and a top level that never finishes is cut off after
// programPreflightTimeoutMs. A program that checked out is not checked again while its file is
// unchanged (same modification time), so a booted system's repeated runs cost nothing more.

import { readdirSync, statSync } from "node:fs";
import { basename, dirname, extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { programPreflightTimeoutMs } from "../../limits.js";
import type { PreflightReport } from "./preflight-worker.js";
import { ProgramLoadError, programUrl } from "./program-loader.js";

/** Extensions a program may have, in the order a hint offers them. */
const programExtensions: readonly string[] = [".ts", ".js", ".mts", ".mjs", ".cjs"];
/** Programs that loaded, each with its file's modification time then ("" for a URL not on disk). */
const checked = new Map<string, string>();

/** Throws a ProgramLoadError naming what is wrong if `program` cannot be run (see the file comment). */
export async function checkProgram(program: string | URL): Promise<void> {
  const url = programUrl(program);
  const version = url.startsWith("file:") ? fileVersion(program, url) : "";
  if (checked.get(url) === version) return;
  const report = await loadInWorker(program instanceof URL ? url : program);
  if (!report.ok) throw new ProgramLoadError(report.error);
  checked.set(url, version);
}

/** The file's modification time; throws naming the program (and what it may have meant) when it is missing. */
function fileVersion(program: string | URL, url: string): string {
  const path = fileURLToPath(url);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined)
    throw new ProgramLoadError(`no such file ${String(program)}${didYouMean(program, path)}`);
  if (!stat.isFile())
    throw new ProgramLoadError(`${String(program)} is not a file: a program is a module exporting main`);
  return String(stat.mtimeMs);
}

/** " — did you mean ./counter.ts?" when files of the same name with another extension are there. */
export function didYouMean(program: string | URL, path: string): string {
  const extension = extname(path);
  const stem = programExtensions.includes(extension) ? basename(path, extension) : basename(path);
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return ` (its folder ${dirname(path)} does not exist either)`;
  }
  const near = programExtensions.map((e) => `${stem}${e}`).filter((name) => names.includes(name));
  // Each as the user wrote the program: the same folder part, another file name.
  const written = typeof program === "string" && !program.startsWith("file:") ? program : path;
  const folder = written.slice(0, written.length - basename(written).length);
  return near.length === 0 ? "" : ` — did you mean ${near.map((name) => `${folder}${name}`).join(" or ")}?`;
}

/** Loads the program (a path or URL) in a thread of its own, bounded by programPreflightTimeoutMs. */
function loadInWorker(program: string): Promise<PreflightReport> {
  const worker = new Worker(new URL("./preflight-worker.js", import.meta.url), { workerData: { program } });
  return new Promise<PreflightReport>((resolve) => {
    const finish = (report: PreflightReport): void => {
      clearTimeout(timer);
      worker.removeAllListeners();
      worker.on("error", () => {}); // Whatever the program does while it is ended is moot now.
      // Resolved once the thread has stopped: a check leaves nothing running behind it.
      worker.terminate().then(
        () => resolve(report),
        () => resolve(report),
      );
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          error: `${program} took more than ${programPreflightTimeoutMs} ms to load (a busy loop at its top level?)`,
        }),
      programPreflightTimeoutMs,
    );
    worker.on("message", (report: PreflightReport) => finish(report));
    worker.on("error", (error) =>
      finish({ ok: false, error: `${program} cannot be loaded: ${error.message}` }),
    );
    worker.on("exit", (code) =>
      finish({ ok: false, error: `${program}: its loading ended the thread (status ${code})` }),
    );
  });
}
