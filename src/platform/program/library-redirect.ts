// One copy of this library per thread: where a program's imports of the library's own modules go.
//
// A domain imports the library (`multikernel`, or `../src/index.js` from this repository's
// examples) and gets classes and tables the thread's core also uses: a VmError the core throws must
// be the domain's VmError (`instanceof`), an interface the domain declares must be in the registry
// the core's traces read. Two copies in one thread break both, and a program could load a second
// copy two ways:
//   - a TypeScript file that imports `../src/vm/index.js` in this repository resolves, through the
//     loader hooks, to src/vm/index.ts: the library's sources, not the built modules the thread
//     runs. Such an import goes to dist/src/vm/index.js, the built module, when it exists (the
//     program itself, even one under src/, loads as named: its built copy may be older);
//   - a core running from its bundle (scripts/bundle-core.js) holds its modules in a few chunks, so
//     an import of dist/src/limits.js would load the module a second time. An import of a module
//     the bundle holds goes to the bundle's facade of it, which re-exports the bundle's own.
// The loader hooks (loader-hooks.ts) apply this to every resolved import; program-loader.ts works
// out the redirect from where its own code runs (a bundle or the modules) when it registers them.
import { readFileSync } from "node:fs";

/** Where the library's imports go in one thread (structured-cloned to the hooks thread). */
export interface LibraryRedirect {
  /** The built library, `…/dist/src/`. */
  readonly libraryUrl: string;
  /** The library's TypeScript sources, `…/src/` (in a checkout of this repository). */
  readonly sourceUrl: string;
  /** The bundle's facades folder, when this thread runs the core's bundle. */
  readonly facadesUrl?: string;
  /** Paths under dist/src of the modules the bundle has a facade for. */
  readonly facades?: readonly string[];
}

/** The bundle's folder under dist/src (scripts/bundle-core.js writes it). */
const bundleFolder = "platform/core-bundle/";

/**
 * The redirect for a thread whose program loader runs from `loaderUrl`: the module
 * dist/src/platform/program/program-loader.js, or a chunk of the core's bundle beside it.
 */
export function libraryRedirectFrom(loaderUrl: string): LibraryRedirect {
  const libraryUrl = new URL("../../", loaderUrl).href;
  const sourceUrl = new URL("../../src/", libraryUrl).href;
  const bundleUrl = libraryUrl + bundleFolder;
  if (!loaderUrl.startsWith(bundleUrl)) return { libraryUrl, sourceUrl };
  const manifest = JSON.parse(readFileSync(new URL("manifest.json", bundleUrl), "utf8")) as {
    facades: readonly string[];
  };
  return { libraryUrl, sourceUrl, facadesUrl: `${bundleUrl}facades/`, facades: manifest.facades };
}

/**
 * Where an import resolved to `url`, made by the module at `parentUrl`, must go (see the file
 * comment): `url` itself unless it is one of the library's modules. A source imported by the
 * library's own code or by no module is the program itself (`multikernel run src/x.ts`, `node
 * --import multikernel/register src/x.ts`): it loads as named, not as its built copy, which may
 * be older. `exists` says whether a file: URL names a file.
 */
export function redirectLibraryUrl(
  url: string,
  parentUrl: string | undefined,
  redirect: LibraryRedirect,
  facades: ReadonlySet<string>,
  exists: (url: string) => boolean,
): string {
  let path: string | undefined;
  if (url.startsWith(redirect.libraryUrl)) path = url.slice(redirect.libraryUrl.length);
  else if (url.startsWith(redirect.sourceUrl) && url.endsWith(".ts") && isProgramFile(parentUrl, redirect)) {
    const built = `${url.slice(redirect.sourceUrl.length, -".ts".length)}.js`;
    if (exists(redirect.libraryUrl + built)) path = built;
  }
  if (path === undefined) return url;
  if (redirect.facadesUrl !== undefined && facades.has(path)) return redirect.facadesUrl + path;
  return redirect.libraryUrl + path;
}

/** Whether `url` is a file of the program being loaded: a module, not the library's own. */
function isProgramFile(url: string | undefined, redirect: LibraryRedirect): boolean {
  return url !== undefined && !url.startsWith(redirect.libraryUrl);
}
