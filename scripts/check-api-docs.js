// Checks the API reference in docs/api/: typedoc must find every type the public API names exported
// (its notExported validation, warnings treated as errors), and the committed reference must be what
// the sources generate now. Run by `npm run lint`; `npm run docs:api` rewrites docs/api/.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const committed = "docs/api";
const fresh = mkdtempSync(join(tmpdir(), "multikernel-api-"));

/** Every file under `dir`, as paths relative to it, sorted. */
function filesUnder(dir) {
  const found = [];
  const walk = (at) => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (statSync(path).isDirectory()) walk(path);
      else found.push(relative(dir, path));
    }
  };
  walk(dir);
  return found.sort();
}

try {
  const typedoc = spawnSync(
    "npx",
    ["typedoc", "--out", fresh, "--treatWarningsAsErrors", "--logLevel", "Warn"],
    {
      encoding: "utf8",
    },
  );
  if (typedoc.status !== 0) {
    process.stderr.write(`${typedoc.stdout}${typedoc.stderr}check-api-docs: typedoc failed\n`);
    process.exit(1);
  }
  const want = filesUnder(fresh);
  let have = [];
  try {
    have = filesUnder(committed);
  } catch {
    // No reference committed yet: every file differs.
  }
  const stale = [
    ...want.filter(
      (file) =>
        !have.includes(file) ||
        readFileSync(join(fresh, file), "utf8") !== readFileSync(join(committed, file), "utf8"),
    ),
    ...have.filter((file) => !want.includes(file)),
  ];
  if (stale.length > 0) {
    process.stderr.write(
      `check-api-docs: ${committed}/ is stale (${stale.length} files differ, e.g. ${stale.slice(0, 3).join(", ")}); run npm run docs:api\n`,
    );
    process.exit(1);
  }
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
