// Bundles what a core's worker thread loads into a few files (esbuild), after tsc: a core then
// starts from dist/src/platform/core-bundle/core-entry.js instead of loading its ~80 modules one by
// one (Node's ES-module loader resolves, reads and compiles each: most of a core's start, and of
// boot). What it writes, in dist/src/platform/core-bundle/:
//   - core-entry.js and its chunks: the core's program (core-entry.ts, core-worker.ts and every
//     module they import), split only where the code imports dynamically;
//   - library.js: every bundled module's exports, each renamed `m<i>$<name>`, from the same chunks;
//   - facades/<path>.js, one per bundled module that exports something: the module's own exports
//     under their own names, re-exported from library.js. A domain running on a core imports the
//     library as modules (`../src/vm/index.js`, `multikernel`); the loader hooks send those imports
//     to the facades (src/platform/program/loader-hooks.ts), so that the domain and its core share
//     one copy of every class and table (a VmError thrown by the core is the domain's VmError);
//   - manifest.json, written last: the bundled modules (paths under dist/src) with the hash of each
//     one's content, and the facades. A bundle is not used once a module it holds has changed
//     (src/platform/real/core-bundle.ts): a core then loads the modules one by one, as when this
//     script never ran.
// The bundle lives two folders under dist/src, as the modules it holds that locate files from their
// own URL (platform/program's), so that `new URL("../..", import.meta.url)` names the same folder.
// It is written beside the old bundle and then moved into its place, so that a boot that reads the
// bundle while it is rebuilt reads one whole bundle, old or new, or, in the instant between the two
// renames, none (its cores then load their modules, and the boot log says why).
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { build } from "esbuild";

const distSrc = "dist/src";
const bundleDir = join(distSrc, "platform/core-bundle");
/**
 * Where the new bundle is written, beside the old one at the same depth (so that every relative path
 * in it, source maps included, holds once it is moved): a system booting meanwhile reads the old
 * bundle whole, not a half-written one.
 */
const outDir = `${bundleDir}.next`;
const oldDir = `${bundleDir}.old`;
const coreEntry = join(distSrc, "platform/real/core-entry.js");
/** What every pass shares: ES modules for Node, packages left to Node (sucrase loads only on demand). */
const common = {
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  packages: "external",
  logLevel: "warning",
};

/** The modules (paths relative to the working directory) a core loads, statically or on demand. */
async function coreModules() {
  const probe = await build({
    ...common,
    entryPoints: [coreEntry],
    write: false,
    metafile: true,
    outdir: outDir,
  });
  return Object.keys(probe.metafile.inputs).sort();
}

/** Each module's export names, as a bundle of that module alone would export them. */
async function exportsOf(modules) {
  const probe = await build({
    ...common,
    entryPoints: modules,
    write: false,
    metafile: true,
    outdir: outDir,
  });
  const names = new Map();
  for (const output of Object.values(probe.metafile.outputs))
    if (output.entryPoint !== undefined) names.set(output.entryPoint, output.exports);
  return names;
}

/** The path of `to` from `from`, with forward slashes (as import specifiers and the manifest have it). */
function relativePath(from, to) {
  return relative(from, to).split("\\").join("/");
}

/** `./x.js` or `../x.js`: an import specifier for `to` from a file in `fromDir`. */
function specifier(fromDir, to) {
  const path = relativePath(fromDir, to);
  return path.startsWith(".") ? path : `./${path}`;
}

rmSync(outDir, { recursive: true, force: true });
rmSync(oldDir, { recursive: true, force: true });
const modules = await coreModules();
const exported = await exportsOf(modules);
const withExports = modules.filter((module) => (exported.get(module) ?? []).length > 0);
const scratch = mkdtempSync(join(tmpdir(), "multikernel-bundle-"));
try {
  const libraryEntry = join(scratch, "library.js");
  const lines = withExports.map((module, i) => {
    const renamed = exported.get(module).map((name) => `${name} as m${i}$${name}`);
    return `export { ${renamed.join(", ")} } from ${JSON.stringify(resolve(module))};`;
  });
  writeFileSync(libraryEntry, `${lines.join("\n")}\n`);
  await build({
    ...common,
    entryPoints: { "core-entry": coreEntry, library: libraryEntry },
    outdir: outDir,
    sourcemap: "linked",
    sourcesContent: false,
  });
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const facades = [];
withExports.forEach((module, i) => {
  const path = relativePath(distSrc, module);
  const file = join(outDir, "facades", path);
  mkdirSync(dirname(file), { recursive: true });
  const names = exported.get(module).map((name) => `m${i}$${name} as ${name}`);
  const from = specifier(dirname(file), join(outDir, "library.js"));
  writeFileSync(file, `export { ${names.join(", ")} } from ${JSON.stringify(from)};\n`);
  facades.push(path);
});
const inputs = modules.map((module) => relativePath(distSrc, module));
/** Each module's content hash, for a module whose time says it may have changed since. */
const hashes = Object.fromEntries(
  modules.map((module, i) => [inputs[i], createHash("sha256").update(readFileSync(module)).digest("hex")]),
);
writeFileSync(join(outDir, "manifest.json"), `${JSON.stringify({ inputs, hashes, facades }, null, 1)}\n`);
// The old bundle steps aside and the new one takes its place: two renames.
if (existsSync(bundleDir)) renameSync(bundleDir, oldDir);
renameSync(outDir, bundleDir);
rmSync(oldDir, { recursive: true, force: true });
