// The charting libraries the report's page inlines, so that it renders offline from one file.
//
// vega, vega-lite and vega-embed are read from node_modules as their minified browser builds (UMD:
// each sets a global — vega, vegaLite, vegaEmbed — when no module system is present), found next to
// the package's resolved entry point: vega-embed's package "exports" do not list its build files,
// so resolving the entry and taking its folder is the one way that works for all three.
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
  const buildDir = dirname(require.resolve(name));
  const source = readFileSync(join(buildDir, `${name}.min.js`), "utf8");
  const packageJson = JSON.parse(readFileSync(join(buildDir, "..", "package.json"), "utf8")) as {
    name?: unknown;
    version?: unknown;
  };
  if (packageJson.name !== name) throw new Error(`report: ${name}'s build is not where it was expected`);
  return { name, version: String(packageJson.version), source };
}

/** The three libraries, each read once per call. */
export function readChartLibraries(): InlinedLibrary[] {
  return chartLibraryNames.map(readLibrary);
}
