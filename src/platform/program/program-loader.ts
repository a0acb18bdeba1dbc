// Loading a domain's program in the thread that runs it: a core's worker (real/domain-host.ts),
// the simulator's worker (sim/program-worker.ts), and the check before a run (preflight.ts).
//
// The first load in a thread registers the module hooks (loader-hooks.ts: TypeScript, ES module
// syntax in a CommonJS project, and one copy of this library per thread: library-redirect.ts) and
// turns source maps on, so that the stack of anything the program throws names its own .ts lines
// (stripped TypeScript keeps its lines; a program compiled by tsc with source maps is mapped back
// to its .ts files). Then the program is imported and its main found: `export function main`, a
// default export that is a function, or (a CommonJS module) `exports.main`. What cannot be loaded
// is a ProgramLoadError saying what and where: a file that does not exist, one that exports no
// main, or a syntax error with its file and line (Node 20 gives an ES module's syntax error no
// position: syntax-locator.ts finds it).

import { register } from "node:module";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describeThrown } from "../../cpu-driver/describe-thrown.js";
import type { DomainMain } from "../../domain/domain-context.js";
import { failureText, ProgramLoadError } from "./failure-text.js";
import { libraryRedirectFrom } from "./library-redirect.js";

export { ProgramLoadError };

/** A URL scheme (`file:`, `data:`, `https:`), not a Windows drive letter (`C:`). */
const urlScheme = /^[a-z][a-z0-9+.-]+:/i;

/** Resolves a program path (relative to the working directory) or URL to an importable URL. */
export function programUrl(program: string | URL): string {
  if (program instanceof URL) return program.href;
  if (urlScheme.test(program)) return program;
  return pathToFileURL(isAbsolute(program) ? program : resolve(program)).href;
}

let hooksRegistered = false;

/** Registers the loader hooks and source maps in this thread, once (see the file comment). */
export function prepareProgramLoading(): void {
  if (hooksRegistered) return;
  hooksRegistered = true;
  process.setSourceMapsEnabled(true);
  // "../program/": this code may run from the core's bundle, a sibling folder (scripts/bundle-core.js).
  register(new URL("../program/loader-hooks.js", import.meta.url), {
    data: { library: libraryRedirectFrom(import.meta.url) },
  });
}

/** Imports `program` and returns its main; a ProgramLoadError says why it cannot. */
export async function loadProgram(program: string | URL): Promise<DomainMain> {
  prepareProgramLoading();
  const url = programUrl(program);
  let module: unknown;
  try {
    module = await import(url);
  } catch (thrown) {
    throw await loadFailure(program, url, thrown);
  }
  return mainOf(module, program);
}

/** The main of a loaded module, or an error naming what it exports instead. */
export function mainOf(module: unknown, program: string | URL): DomainMain {
  const exports = (module ?? {}) as { main?: unknown; default?: unknown };
  if (typeof exports.main === "function") return exports.main as DomainMain;
  if (typeof exports.default === "function") return exports.default as DomainMain;
  const commonJs = exports.default as { main?: unknown } | null | undefined;
  if (typeof commonJs === "object" && commonJs !== null && typeof commonJs.main === "function")
    return commonJs.main as DomainMain;
  const names = Object.keys(exports).filter((name) => name !== "default");
  const has = names.length === 0 ? "nothing else" : names.join(", ");
  throw new ProgramLoadError(
    `${String(program)} exports no main function (it exports ${has}): a domain exports \`async function main(ctx)\``,
  );
}

/** Why an import failed, with its position: the error's own stack, or the syntax locator's finding. */
async function loadFailure(program: string | URL, url: string, thrown: unknown): Promise<ProgramLoadError> {
  const code = (thrown as { code?: unknown } | null)?.code;
  if (code === "ERR_MODULE_NOT_FOUND" || code === "ERR_UNKNOWN_FILE_EXTENSION")
    return new ProgramLoadError(`${String(program)} cannot be loaded: ${failureText(thrown)}`, {
      cause: thrown,
    });
  let text = failureText(thrown);
  // A syntax error's frames are the loader's: its position is in its message (the hooks' sucrase
  // errors) or nowhere (V8's, in an ES module), and then the locator finds it.
  if ((thrown as { name?: unknown } | null)?.name === "SyntaxError") {
    text = `SyntaxError: ${describeThrown(thrown)}`;
    if (!/^\S+:\d+:\d+: /.test(describeThrown(thrown))) {
      // Loaded only on a failure: the locator brings sucrase, which no core should compile at boot.
      const { locateSyntaxError } = await import("./syntax-locator.js");
      text = (await locateSyntaxError(url)) ?? text;
    }
  }
  return new ProgramLoadError(`${String(program)} cannot be loaded: ${text}`, { cause: thrown });
}
