// Where a core's worker thread starts: the core's program bundled into a few files, or its modules
// one by one.
//
// Loading ~80 modules through Node's ES-module loader (resolve, read and compile each) is most of a
// core's start; the build bundles them (scripts/bundle-core.js, after tsc) into
// dist/src/platform/core-bundle/, with a manifest of the modules it holds. A boot starts every core
// from the bundle when it is there and no older than every module it holds; otherwise (a build by
// tsc alone, a module rebuilt since, a manifest missing or unreadable) from core-entry.js, loading
// the modules as they are, and the boot log says why. Either way a core runs the same code: the
// bundle is the modules as they were built. Checking costs one stat per module (~80), on the boot
// thread, before the workers start.
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Where the bundle is, from this file (dist/src/platform/real). */
const bundleUrl = new URL("../core-bundle/", import.meta.url);
/** The folder its manifest's paths are relative to (dist/src). */
const librarySourceUrl = new URL("../../", import.meta.url);

/** The file a core's worker starts from, and whether it is the bundle (why not, when not). */
export interface CoreEntry {
  readonly url: URL;
  readonly bundled: boolean;
  /** Why the modules load one by one, when `bundled` is false. */
  readonly reason?: string;
}

/** The bundle's manifest, as scripts/bundle-core.js writes it. */
interface Manifest {
  readonly inputs: readonly string[];
}

/**
 * The entry of a core's worker: the bundle when `useBundle` and it is current, else the modules.
 * `bundleDir` and `libraryDir` are for tests (default: this build's).
 */
export function coreEntry(
  useBundle: boolean,
  bundleDir = bundleUrl,
  libraryDir = librarySourceUrl,
): CoreEntry {
  const modules = { url: new URL("platform/real/core-entry.js", libraryDir), bundled: false };
  if (!useBundle) return { ...modules, reason: "the boot's options ask for the modules" };
  const stale = bundleStaleness(bundleDir, libraryDir);
  if (stale !== undefined) return { ...modules, reason: stale };
  return { url: new URL("core-entry.js", bundleDir), bundled: true };
}

/** Why the bundle in `bundleDir` cannot stand for the modules under `libraryDir`, or undefined. */
export function bundleStaleness(bundleDir: URL, libraryDir: URL): string | undefined {
  const manifestUrl = new URL("manifest.json", bundleDir);
  let manifest: Manifest;
  let builtMs: number;
  try {
    builtMs = statSync(manifestUrl).mtimeMs;
    manifest = JSON.parse(readFileSync(manifestUrl, "utf8")) as Manifest;
  } catch (error) {
    const missing = (error as { code?: unknown }).code === "ENOENT";
    return missing
      ? `no core bundle at ${fileURLToPath(bundleDir)} (npm run build makes it)`
      : `the core bundle's manifest is unreadable (${(error as Error).message})`;
  }
  if (!Array.isArray(manifest.inputs) || manifest.inputs.length === 0)
    return "the core bundle's manifest lists no modules";
  for (const input of manifest.inputs) {
    let modifiedMs: number;
    try {
      modifiedMs = statSync(new URL(String(input), libraryDir)).mtimeMs;
    } catch {
      return `the core bundle holds ${String(input)}, which is gone`;
    }
    if (modifiedMs > builtMs)
      return `${String(input)} changed after the core bundle was built (npm run build)`;
  }
  return undefined;
}
