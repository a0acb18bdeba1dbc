// Module hooks (node:module's register) that let a domain be written as people write it: in
// TypeScript or JavaScript, in an ES-module or a CommonJS project, run as written.
//
// program-loader.ts registers these hooks in each thread that loads a program (a core's worker,
// the simulator's, the check before a run); Node runs them on its hooks thread. Two hooks:
//   - resolve: a relative import that Node cannot find is tried again with the TypeScript
//     extension, as TypeScript's own resolution does: `./util.js` written in a .ts file means
//     `./util.ts` (.mjs → .mts), and `./util` means `./util.ts`. An import of this library's own
//     modules then goes to the copy the thread runs (library-redirect.ts: its built modules, or
//     its core's bundle), whose redirect `initialize` is given when the hooks are registered.
//   - load: a .ts or .mts file of the user's (not under node_modules) is read and its types are
//     stripped by sucrase (pure JavaScript; every line stays where it was, so a stack's file:line
//     is the .ts file's own), then loaded as an ES module: a domain exports `main`, whatever its
//     project's "type". A .js file that Node would load as CommonJS (its package.json has no
//     "type": "module") but that is written with `import`/`export` is loaded as an ES module, as
//     Node 22 does by syntax detection: the syntax is tried as CommonJS first, and only the errors
//     that mean "this is a module" switch it. Everything else goes to Node's own loader unchanged,
//     without being read: a .js file of a "type": "module" package (each directory's scope type is
//     looked up once), anything under node_modules. sucrase is loaded with the first .ts file, so
//     that a JavaScript program's hooks start without it (it is most of their start-up).
// No source map is attached: sucrase's maps lose their columns after a template literal, while
// the code as stripped keeps lines exactly and columns wherever no type came before on the line.
// Why not tsx: in a CommonJS project its loader compiled a domain to CommonJS, with frames naming
// data: URLs; sucrase adds 3 MB to an install, against tsx's 12 MB (esbuild's binary).

import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { LoadHook, ResolveHook } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compileFunction } from "node:vm";
import { type LibraryRedirect, redirectLibraryUrl } from "./library-redirect.js";

type Transform = typeof import("sucrase").transform;
/** sucrase's transform, loaded with the first TypeScript file: a JavaScript program never pays for it. */
let sucraseTransform: Transform | undefined;
/** Each directory's package scope type ("module" or "commonjs"), as Node decides it, remembered. */
const scopeTypes = new Map<string, string>();

/** The errors V8 gives module syntax compiled as a CommonJS function (what Node 22 detects by). */
const moduleOnlySyntax: readonly string[] = [
  "Cannot use import statement outside a module",
  "Unexpected token 'export'",
  "Cannot use 'import.meta' outside a module",
  "await is only valid in async functions and the top level bodies of modules",
];
/** The parameters Node's CommonJS wrapper gives a module. */
const commonJsParameters = ["exports", "require", "module", "__filename", "__dirname"];
/** A JavaScript extension and the TypeScript one a TypeScript import of it may mean. */
const typeScriptFor: Readonly<Record<string, string>> = { ".js": ".ts", ".mjs": ".mts", "": ".ts" };

/** Where this thread's imports of the library go; none until `initialize`. */
let library: LibraryRedirect | undefined;
let facades: ReadonlySet<string> = new Set();
/** Whether each built module a source file may stand for exists, remembered. */
const builtExists = new Map<string, boolean>();

/** Called by `register` with the thread's library redirect (program-loader.ts). */
export function initialize(data: { library?: LibraryRedirect } | undefined): void {
  library = data?.library;
  facades = new Set(library?.facades ?? []);
}

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const resolved = await resolveAsWritten(specifier, context, nextResolve);
  if (library === undefined) return resolved;
  const url = redirectLibraryUrl(resolved.url, context.parentURL, library, facades, fileExists);
  return url === resolved.url ? resolved : { ...resolved, url };
};

/** Whether the file: URL names a file (remembered: a library's modules do not come and go). */
function fileExists(url: string): boolean {
  let exists = builtExists.get(url);
  if (exists === undefined) {
    exists = existsSync(new URL(url));
    builtExists.set(url, exists);
  }
  return exists;
}

/** Node's resolution of `specifier`, or its TypeScript alternative (see the file comment). */
const resolveAsWritten: ResolveHook = async (specifier, context, nextResolve) => {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const alternative = typeScriptAlternative(specifier, context.parentURL);
    if (alternative === undefined || (error as { code?: unknown }).code !== "ERR_MODULE_NOT_FOUND")
      throw error;
    try {
      return await nextResolve(alternative, context);
    } catch {
      throw error; // The specifier as written is what the user must be told about.
    }
  }
};

export const load: LoadHook = async (url, context, nextLoad) => {
  if (!isUserFile(url)) return nextLoad(url, context);
  const extension = extname(new URL(url).pathname);
  if (extension === ".ts" || extension === ".mts") {
    const source = await readFile(new URL(url), "utf8");
    sucraseTransform ??= (await import("sucrase")).transform;
    return { format: "module", source: stripTypes(source, url, sucraseTransform), shortCircuit: true };
  }
  // A .js file of a "type": "module" package is an ES module whatever it contains: Node loads it.
  if (extension !== ".js" || packageScopeType(dirname(fileURLToPath(url))) === "module")
    return nextLoad(url, context);
  // Decided here, before Node's loader: Node 20.19+ would detect it too, but warns on every core.
  const source = await readFile(new URL(url), "utf8");
  if (!hasModuleSyntax(source)) return nextLoad(url, context);
  return { format: "module", source, shortCircuit: true };
};

/** A file: URL outside node_modules: the program's own code (dependencies load as their authors said). */
function isUserFile(url: string): boolean {
  return url.startsWith("file:") && !url.includes("/node_modules/");
}

/** The TypeScript specifier a relative import may mean, or undefined (see the file comment). */
function typeScriptAlternative(specifier: string, parentUrl: string | undefined): string | undefined {
  if (parentUrl === undefined || !isUserFile(parentUrl)) return undefined;
  if (!(specifier.startsWith("./") || specifier.startsWith("../") || specifier.startsWith("/")))
    return undefined;
  const extension = extname(specifier);
  const replacement = typeScriptFor[extension];
  if (replacement === undefined) return undefined;
  return `${specifier.slice(0, specifier.length - extension.length)}${replacement}`;
}

/**
 * The "type" of the package scope of `directory` (its nearest package.json's, "commonjs" when it
 * has none or there is none), as Node decides a .js file's format; remembered per directory.
 */
function packageScopeType(directory: string): string {
  const known = scopeTypes.get(directory);
  if (known !== undefined) return known;
  let type: string;
  let text: string | undefined;
  try {
    text = readFileSync(join(directory, "package.json"), "utf8");
  } catch {
    text = undefined;
  }
  if (text !== undefined) {
    let declared: unknown;
    try {
      declared = (JSON.parse(text) as { type?: unknown }).type;
    } catch {
      declared = undefined; // Node reports a malformed package.json itself, when it loads the file.
    }
    type = declared === "module" ? "module" : "commonjs";
  } else {
    const parent = dirname(directory);
    type = parent === directory ? "commonjs" : packageScopeType(parent);
  }
  scopeTypes.set(directory, type);
  return type;
}

/** The module's code with its types stripped by `transform` (sucrase's), each line where it was. */
export function stripTypes(source: string, url: string, transform: Transform): string {
  const path = fileURLToPath(url);
  try {
    return transform(source, { transforms: ["typescript"], disableESTransforms: true, filePath: path }).code;
  } catch (thrown) {
    throw sucraseSyntaxError(thrown, path);
  }
}

/** Sucrase's "Unexpected token (3:9)" as a SyntaxError naming `path:3:9`, as V8 would. */
export function sucraseSyntaxError(thrown: unknown, path: string): SyntaxError {
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  const position = /\((\d+):(\d+)\)\s*$/.exec(message);
  const text = message.replace(/^Error transforming [^:]*: /, "").replace(/\s*\(\d+:\d+\)\s*$/, "");
  const where = position === null ? path : `${path}:${position[1]}:${position[2]}`;
  return new SyntaxError(`${where}: ${text}`);
}

/** Whether `source` is written as an ES module (its syntax is refused as CommonJS for that reason). */
export function hasModuleSyntax(source: string): boolean {
  try {
    compileFunction(source, commonJsParameters);
    return false;
  } catch (error) {
    const message = error instanceof Error ? error.message : "";
    return moduleOnlySyntax.some((text) => message.includes(text));
  }
}
