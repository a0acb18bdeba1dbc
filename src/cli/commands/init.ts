// `multikernel init [DIR]`: writes a working starter project into DIR (default: the current folder).
//
//   npx multikernel init my-app && cd my-app && npm install && npm test && npm start
//
// The starter is the package's templates/starter/ folder — a domain (src/counter.ts), its
// interface (src/counter-interface.ts), a test of it on the simulator (test/counter.test.ts, with
// `simulate` from "multikernel/sim"), a tsconfig.json for editors and a README — plus a
// package.json written here: an ES-module project that depends on this package's own version
// (`multikernel@^X.Y.Z`), whose `npm start` runs the domain on two real cores and whose `npm test`
// runs the test with node's own runner, TypeScript loaded by "multikernel/register".
// It never overwrites: a folder that already has a package.json, or any file the starter would
// write, is refused before anything is written (a usage error naming the files). A folder that
// does not exist is created; one with other files (a .git, say) is fine. The next steps are
// printed for people; with --json, standard output carries `{ dir, files, scripts }` instead.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../arguments.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

/** The package root, from this file at dist/src/cli/commands/init.js. */
const packageRoot = fileURLToPath(new URL("../../../../", import.meta.url));
/** The starter's files, as they are written (package.json apart). */
const templateDir = join(packageRoot, "templates", "starter");
/** Deepest folder nesting of the template a copy follows (a bound, not an expectation). */
const templateDepthMax = 4;
/** The starter's package name when the folder's name is not one npm accepts. */
const packageNameFallback = "multikernel-app";
/** The starter's scripts: the domain on two real cores, and its test on the simulator. */
const starterScripts = {
  start: "multikernel run src/counter.ts --cores 2",
  test: "node --import multikernel/register --test test/counter.test.ts",
};

export const registerInit: Registration = ({ program }) => {
  program
    .command("init")
    .description(
      "Write a starter project (a domain, its interface, a test on the simulator, scripts) into DIR.",
    )
    .argument("[dir]", "the project's folder (created if missing; default the current folder)", ".")
    .addOption(jsonOption())
    .action((dir: string, options: { json: boolean }) => {
      const output = commandOutput(options.json);
      const target = resolve(dir);
      const written = writeStarter(target);
      output.text(nextSteps(dir, target, written));
      output.json({ dir: target, files: written, scripts: starterScripts });
    });
};

/** The starter's files, path relative to the project → content. */
export function starterFiles(projectDir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const path of filesUnder(templateDir, 0))
    files.set(path, readFileSync(join(templateDir, path), "utf8"));
  files.set("package.json", `${JSON.stringify(starterPackage(projectDir), null, 2)}\n`);
  return files;
}

/** Writes the starter into `projectDir`, refusing (before writing anything) to overwrite; returns the paths written. */
export function writeStarter(projectDir: string): string[] {
  if (existsSync(projectDir) && !statSync(projectDir).isDirectory())
    throw new UsageError(`init: ${projectDir} exists and is not a folder`);
  const files = starterFiles(projectDir);
  const clashes = [...files.keys()].filter((path) => existsSync(join(projectDir, path)));
  if (clashes.length > 0)
    throw new UsageError(
      `init: ${projectDir} already has ${clashes.join(", ")}; init never overwrites: give it a folder that is new or empty (multikernel init ${basename(projectDir)}-2, say)`,
    );
  for (const [path, content] of files) {
    mkdirSync(dirname(join(projectDir, path)), { recursive: true });
    writeFileSync(join(projectDir, path), content, { flag: "wx" });
  }
  return [...files.keys()];
}

/** The starter's package.json (see the file comment). */
function starterPackage(projectDir: string): object {
  return {
    name: packageName(basename(projectDir)),
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: starterScripts,
    dependencies: { multikernel: `^${ownVersion()}` },
  };
}

/** A name npm accepts, from the folder's name: lower case, letters, digits, `-`, `.` and `_`. */
export function packageName(folderName: string): string {
  const name = folderName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[._-]+/, "")
    .replace(/-+$/, "");
  return name === "" || name === "multikernel" ? packageNameFallback : name;
}

/** This package's version, from its package.json. */
function ownVersion(): string {
  const version = (
    JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version?: unknown }
  ).version;
  if (typeof version !== "string") throw new Error(`init: ${packageRoot}package.json has no version`);
  return version;
}

/** Every file under `dir`, as paths relative to it, sorted. */
function filesUnder(dir: string, depth: number): string[] {
  if (depth > templateDepthMax) throw new Error(`init: ${dir} nests more than ${templateDepthMax} folders`);
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      found.push(...filesUnder(path, depth + 1).map((inner) => join(entry.name, inner)));
    else found.push(entry.name);
  }
  return found;
}

/** What to do next, for people. */
function nextSteps(dir: string, target: string, written: readonly string[]): string {
  const cd = relative(process.cwd(), target) === "" ? [] : [`  cd ${dir}`];
  return [
    `Wrote a multikernel starter in ${target}:`,
    ...written.map((path) => `  ${path}`),
    "",
    "Next:",
    ...cd,
    `  npm install   # multikernel@^${ownVersion()} from your registry; where it is not published,`,
    `                # this copy of it instead: npm install "$(npm pack --ignore-scripts '${packageRoot.replace(/\/$/, "")}' | tail -1)"`,
    "  npm test      # the domain on a simulated 16-core machine",
    "  npm start     # the domain on 2 cores of this machine",
  ].join("\n");
}
