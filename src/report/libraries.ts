// The charting libraries the report's page inlines, so that it renders offline from one file.
//
// vega, vega-lite and vega-embed are read from node_modules as their minified browser builds (UMD:
// each sets a global — vega, vegaLite, vegaEmbed — when no module system is present), found next to
// the package's resolved entry point: vega-embed's package "exports" do not list its build files,
// so resolving the entry and taking its folder is the one way that works for all three.
//
// They are optional peer dependencies of the package: a library user's install does not pull the
// ~30 MB of charting code that only `report` needs. In this repository they are dev dependencies;
// elsewhere `report` stops before measuring with the one command that installs them.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** One library as the page inlines it. */
export interface InlinedLibrary {
  readonly name: string;
  readonly version: string;
  /** The minified browser build. */
  readonly source: string;
}

/** The libraries in the order the page must load them (vega-lite needs vega; vega-embed both). */
export const chartLibraryNames: readonly string[] = ["vega", "vega-lite", "vega-embed"];

const require = createRequire(import.meta.url);

/** Reads one library's minified build and its version. */
export function readLibrary(name: string): InlinedLibrary {
  const buildDir = dirname(resolveLibrary(name));
  const source = readFileSync(join(buildDir, `${name}.min.js`), "utf8");
  const packageJson = JSON.parse(readFileSync(join(buildDir, "..", "package.json"), "utf8")) as {
    name?: unknown;
    version?: unknown;
  };
  if (packageJson.name !== name) throw new Error(`report: ${name}'s build is not where it was expected`);
  return { name, version: String(packageJson.version), source };
}

/** The install command for the charting libraries, at the versions this package was built with. */
export function chartInstallCommand(): string {
  const own = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as {
    peerDependencies?: Record<string, string>;
  };
  const specs = chartLibraryNames.map((name) => {
    const range = own.peerDependencies?.[name];
    return range === undefined ? name : `${name}@${range}`;
  });
  return `npm install ${specs.join(" ")}`;
}

/** The entry point of a library, or an error saying how to install the charting libraries. */
function resolveLibrary(name: string): string {
  try {
    return require.resolve(name);
  } catch {
    throw new Error(
      `report: the charting library ${name} is not installed (it is an optional peer dependency, needed only by report); install them with: ${chartInstallCommand()}`,
    );
  }
}

/** The three libraries, each read once per call. */
export function readChartLibraries(): InlinedLibrary[] {
  return chartLibraryNames.map(readLibrary);
}
