// Where the machines/ folder of topology files is, found from this module's own location.
//
// machines/ sits at the repository (and package) root. This module runs either from source
// (src/platform/sim/, three levels down) or compiled (dist/src/platform/sim/, four levels down), so
// both candidates are tried and the first that exists wins.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function machinesDir(): string {
  if (cached !== undefined) return cached;
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "../../../machines"), join(here, "../../../../machines")];
  const found = candidates.find((dir) => existsSync(join(dir, "amd-8x4.json")));
  if (found === undefined) throw new Error(`machines/ not found; looked in ${candidates.join(" and ")}`);
  cached = found;
  return found;
}
