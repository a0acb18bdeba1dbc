// Finding the file and line of a syntax error that Node 20 reports without them.
//
// When an ES module fails to parse, Node 20's import() rejects with V8's SyntaxError ("Unexpected
// token ';'") whose stack names only Node's internals: not the file, not the line. So after such
// a failure the program's own files are read again, from the program along its relative imports
// (at most programSyntaxFilesMax files, none under node_modules), and each is compiled as a
// script: sucrase turns its import/export statements into require calls, keeping every line where
// it was, and V8 compiles the result inside an async function (top-level await is valid there).
// The first file that does not compile gives the message with the file and line, as
// `SyntaxError: /home/me/counter.js:3: Unexpected token ';'`. This runs only after a load failed,
// so its cost does not matter; a file it cannot read or follow is skipped.

import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";
import { transform } from "sucrase";
import { describeThrown } from "../../cpu-driver/describe-thrown.js";
import { programSyntaxFilesMax } from "../../limits.js";
import { sucraseSyntaxError } from "./loader-hooks.js";

/** Relative specifiers of the require calls sucrase's imports transform writes. */
const relativeRequire = /require\((['"])(\.{1,2}\/[^'"]+)\1\)/g;
/** The candidates a relative specifier may name, as the loader hooks resolve it. */
const candidatesFor: Readonly<Record<string, readonly string[]>> = {
  ".js": [".js", ".ts"],
  ".mjs": [".mjs", ".mts"],
  ".cjs": [".cjs"],
  ".ts": [".ts"],
  ".mts": [".mts"],
  "": [".ts", ".js"],
};

/** `file:line: message` of the first syntax error among the program's files, or undefined. */
export async function locateSyntaxError(programUrl: string): Promise<string | undefined> {
  if (!programUrl.startsWith("file:")) return undefined;
  const queue = [programUrl];
  const seen = new Set(queue);
  for (let i = 0; i < queue.length && i < programSyntaxFilesMax; i++) {
    const url = queue[i]!;
    const source = await readFile(new URL(url), "utf8").catch(() => undefined);
    if (source === undefined) continue;
    const checked = checkSyntax(source, url);
    if (typeof checked === "string") return checked;
    for (const next of checked) {
      if (next.includes("/node_modules/") || seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return undefined;
}

/** The error text for `source`'s syntax error, or the URLs of the files it imports. */
function checkSyntax(source: string, url: string): string | string[] {
  const path = fileURLToPath(url);
  const typeScript = [".ts", ".mts"].includes(extname(path));
  let code: string;
  try {
    code = transform(source, {
      transforms: typeScript ? ["typescript", "imports"] : ["imports"],
      filePath: path,
    }).code;
  } catch (thrown) {
    return `SyntaxError: ${sucraseSyntaxError(thrown, path).message}`;
  }
  // `import.meta` stays as written: give it a name of the same length that a script accepts.
  const script = `(async function () {${code.replaceAll("import.meta", "_importMeta")}\n})`;
  try {
    new Script(script, { filename: path });
  } catch (thrown) {
    const stack = thrown instanceof Error ? String(thrown.stack) : "";
    const line = new RegExp(`^${escapeRegExp(path)}:(\\d+)`).exec(stack)?.[1];
    return `SyntaxError: ${path}${line === undefined ? "" : `:${line}`}: ${describeThrown(thrown)}`;
  }
  return importsOf(code, url);
}

/** The URLs of the code files `code` requires by relative path (JSON and the like are not code). */
function importsOf(code: string, url: string): string[] {
  const found: string[] = [];
  for (const match of code.matchAll(relativeRequire)) {
    const specifier = match[2]!;
    const extension = extname(specifier);
    const base = specifier.slice(0, specifier.length - extension.length);
    for (const candidate of candidatesFor[extension] ?? [])
      found.push(new URL(`${base}${candidate}`, url).href);
  }
  return found;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
