// Where a core's worker thread starts: the core's program bundled into a few files, or its modules
// one by one.
//
// Loading ~80 modules through Node's ES-module loader (resolve, read and compile each) is most of a
// core's start; the build bundles them (scripts/bundle-core.js, after tsc) into
// dist/src/platform/core-bundle/, with a manifest of the modules it holds and a hash of each one's
// content. A boot starts every core from the bundle when it is there and every module it holds is
// as it was bundled; otherwise (a build by tsc alone that changed a module, a module edited since,
// a manifest missing or unreadable) from core-entry.js, loading the modules as they are, and the
// boot log says why. Either way a core runs the same code: the bundle is the modules as they were
// built. Checking costs one stat per module (~80) on the boot thread, before the workers start; a
// module written after the manifest (a rebuild, or a package manager that extracted it later) is
// also read and hashed, and only a different content makes the bundle stale.
import { createHash } from "node:crypto";
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
  /** Each input's sha256, hex. */
  readonly hashes?: Readonly<Record<string, string>>;
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
    const url = new URL(String(input), libraryDir);
    let modifiedMs: number;
    try {
      modifiedMs = statSync(url).mtimeMs;
    } catch {
      return `the core bundle holds ${String(input)}, which is gone`;
    }
    if (modifiedMs > builtMs && !sameContent(url, manifest.hashes?.[String(input)]))
      return `${String(input)} changed after the core bundle was built (npm run build)`;
  }
  return undefined;
}

/** Whether the file at `url` hashes to `hash` (sha256, hex); false without a hash to compare. */
function sameContent(url: URL, hash: string | undefined): boolean {
  if (hash === undefined) return false;
  try {
    return createHash("sha256").update(readFileSync(url)).digest("hex") === hash;
  } catch {
    return false;
  }
}
