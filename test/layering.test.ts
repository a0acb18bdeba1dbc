// Keeps the layers honest, two ways:
//   - Direction: every relative import in src/ goes from a layer to one that `allowedImports` lists
//     for it (the folders, bottom to top: urpc and idl; cpu-driver; rpc, skb, vm; monitor; domain;
//     the platforms; bench, report, cli). A layer never imports one above it or a sibling it does not
//     name, so that the tree reads as the architecture (docs/architecture.md).
//   - Sans-IO: the CPU driver's logic, rpc, the domain library, monitor, vm and skb never touch a
//     thread, a clock, randomness, a timer, the file system or shared memory of their own. Those come
//     only through the platform (src/platform: real and sim), so that the same code runs on worker
//     threads and in the deterministic simulator.
// Like vscode's `local/code-layering` lint rule, this test reads the TypeScript sources, strips
// comments (and the contents of strings, except import specifiers), and fails listing every
// offending file:line.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

/** The repository root, from this file compiled at dist/test/layering.test.js. */
const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
/** The sans-IO folders; src/platform is deliberately not among them. */
const sansIoFolders: readonly string[] = [
  "src/cpu-driver",
  "src/rpc",
  "src/domain",
  "src/monitor",
  "src/vm",
  "src/skb",
];

/**
 * The layers of src/, each with the layers it may import (its own files always may). A layer is a
 * folder of src/ (src/platform's three are one each); `limits` is src/limits.ts, which every layer
 * may read, `api` is src/index.ts, the package's entry point, and the package's other entry points
 * are files of src/ each with a row of its own (`sim-api`: src/sim-api.ts, "multikernel/sim";
 * `register`: src/register.ts, "multikernel/register").
 */
const allowedImports: Readonly<Record<string, readonly string[]>> = {
  limits: [],
  urpc: ["limits"],
  idl: ["limits"],
  "cpu-driver": ["limits"],
  rpc: ["limits", "idl", "cpu-driver"],
  skb: ["limits"],
  vm: ["limits", "cpu-driver", "skb"],
  monitor: ["limits", "idl", "cpu-driver", "rpc", "skb", "vm"],
  domain: ["limits", "idl", "cpu-driver", "rpc", "skb", "vm", "monitor"],
  "platform/loopback": ["limits", "cpu-driver"],
  "platform/program": ["limits", "cpu-driver", "domain"],
  "platform/real": [
    "limits",
    "urpc",
    "idl",
    "cpu-driver",
    "rpc",
    "skb",
    "vm",
    "monitor",
    "domain",
    "platform/program",
  ],
  "platform/sim": [
    "limits",
    "idl",
    "cpu-driver",
    "rpc",
    "skb",
    "vm",
    "monitor",
    "domain",
    "platform/program",
  ],
  api: [
    "limits",
    "urpc",
    "idl",
    "cpu-driver",
    "rpc",
    "skb",
    "vm",
    "monitor",
    "domain",
    "platform/program",
    "platform/real",
  ],
  "sim-api": ["limits", "domain", "platform/program", "platform/sim"],
  register: ["platform/program"],
  bench: [
    "limits",
    "urpc",
    "idl",
    "cpu-driver",
    "rpc",
    "skb",
    "vm",
    "monitor",
    "domain",
    "platform/program",
    "platform/real",
    "platform/sim",
    "api",
  ],
  report: ["limits", "platform/sim", "bench"],
  cli: ["limits", "skb", "domain", "platform/program", "platform/real", "platform/sim", "bench", "report"],
};
/** Modules the sans-IO code may not import (with or without the node: prefix, any subpath). */
const forbiddenModules: readonly string[] = ["worker_threads", "perf_hooks", "fs", "child_process"];
/** Deepest folder nesting the scan follows (a bound, not an expectation). */
const folderDepthMax = 16;

/** Forbidden uses in code (comments and string contents removed), each with what it is. */
const forbiddenUses: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bperformance\s*\.\s*now\b/, "reads a clock (performance.now)"],
  [/\bDate\s*\.\s*now\b/, "reads a clock (Date.now)"],
  [/\bnew\s+Date\s*\(/, "reads a clock (new Date)"],
  [/\bprocess\s*\.\s*hrtime\b/, "reads a clock (process.hrtime)"],
  [/\bMath\s*\.\s*random\b/, "draws unseeded randomness (Math.random)"],
  [/\b(setTimeout|setInterval|setImmediate)\s*\(/, "sets a timer of its own"],
  [/\bnew\s+SharedArrayBuffer\b/, "allocates shared memory (new SharedArrayBuffer)"],
];

const moduleAlternatives = forbiddenModules.map((name) => name.replace(/[^\w]/g, "\\$&")).join("|");
const modulePattern = `["'](?:node:)?(?:${moduleAlternatives})(?:/[^"']*)?["']`;
/** `from "fs"`, `import "fs"`, `import("fs")`, `require("fs")`. */
const forbiddenImport = new RegExp(
  `(?:\\bfrom\\s*${modulePattern}|\\bimport\\s*${modulePattern}|\\b(?:import|require)\\s*\\(\\s*${modulePattern})`,
);

interface Views {
  /** The source with comments blanked (strings kept): for import specifiers. */
  readonly withoutComments: string;
  /** The source with comments and string contents blanked: for everything else. */
  readonly codeOnly: string;
}

/**
 * Blanks comments, and (in the second view) the contents of string and template literals, keeping
 * every newline so that line numbers stay right. Template literals' `${...}` parts are code.
 */
export function splitViews(source: string): Views {
  let withoutComments = "";
  let codeOnly = "";
  const keep = (c: string) => {
    withoutComments += c;
    codeOnly += c;
  };
  const blank = (c: string, inString: boolean) => {
    const space = c === "\n" ? "\n" : " ";
    withoutComments += inString ? c : space;
    codeOnly += space;
  };
  /** Open template literals, each with the brace depth of its current `${` part (or -1 in its text). */
  const templates: number[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    const inTemplateText = templates.length > 0 && templates[templates.length - 1] === -1;
    if (inTemplateText) {
      if (c === "\\") {
        blank(c, true);
        if (next !== undefined) blank(next, true);
        i += 2;
      } else if (c === "`") {
        templates.pop();
        keep(c);
        i++;
      } else if (c === "$" && next === "{") {
        templates[templates.length - 1] = 0;
        keep("${");
        i += 2;
      } else {
        blank(c, true);
        i++;
      }
    } else if (c === "/" && next === "/") {
      while (i < source.length && source[i] !== "\n") blank(source[i++]!, false);
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      while (i < stop) blank(source[i++]!, false);
    } else if (c === '"' || c === "'") {
      keep(c);
      i++;
      while (i < source.length && source[i] !== c && source[i] !== "\n") {
        if (source[i] === "\\" && i + 1 < source.length) blank(source[i++]!, true);
        blank(source[i++]!, true);
      }
      if (i < source.length) keep(source[i++]!);
    } else if (c === "`") {
      templates.push(-1);
      keep(c);
      i++;
    } else {
      if (templates.length > 0) {
        const depth = templates[templates.length - 1]!;
        if (c === "{") templates[templates.length - 1] = depth + 1;
        else if (c === "}") templates[templates.length - 1] = depth === 0 ? -1 : depth - 1;
      }
      keep(c);
      i++;
    }
  }
  return { withoutComments, codeOnly };
}

/** Every violation in `source`, as "LINE: what". */
export function violationsIn(source: string): string[] {
  const { withoutComments, codeOnly } = splitViews(source);
  const importLines = withoutComments.split("\n");
  const codeLines = codeOnly.split("\n");
  const found: string[] = [];
  for (const [index, line] of codeLines.entries()) {
    const importMatch = forbiddenImport.exec(importLines[index] ?? "");
    if (importMatch !== null) found.push(`${index + 1}: imports a platform module (${importMatch[0]})`);
    for (const [pattern, what] of forbiddenUses) {
      if (pattern.test(line)) found.push(`${index + 1}: ${what}`);
    }
  }
  return found;
}

function sourceFiles(folder: string, depth = 0): string[] {
  assert.ok(depth <= folderDepthMax, `${folder} nests more than ${folderDepthMax} folders`);
  const files: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path, depth + 1));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) files.push(path);
  }
  return files;
}

/** The layer of a path relative to src/ ("monitor/binding.ts" → "monitor"), or a reason it has none. */
export function layerOf(pathInSrc: string): string | undefined {
  const parts = pathInSrc.split(/[\\/]/);
  if (parts.length === 1) {
    const name = parts[0]!.replace(/\.[jt]s$/, "");
    if (name === "limits") return "limits";
    if (name === "index") return "api";
    return name in allowedImports ? name : undefined;
  }
  const layer = parts[0] === "platform" ? `platform/${parts[1]}` : parts[0]!;
  return layer in allowedImports ? layer : undefined;
}

/** Relative import specifiers in `source` (comments ignored), each with its line. */
export function importsIn(source: string): Array<{ line: number; specifier: string }> {
  const { withoutComments } = splitViews(source);
  const found: Array<{ line: number; specifier: string }> = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(?\s*|\bexport\s*\*\s*from\s*)["'](\.{1,2}\/[^"']*)["']/g;
  for (const [index, line] of withoutComments.split("\n").entries()) {
    for (const match of line.matchAll(pattern)) found.push({ line: index + 1, specifier: match[1]! });
  }
  return found;
}

/** Every import of `file` (a path relative to src/) that the table does not allow, as "file:LINE: why". */
export function layerViolations(file: string, source: string): string[] {
  const from = layerOf(file);
  if (from === undefined) return [`${file}: is in no layer of the table (add its folder to allowedImports)`];
  const found: string[] = [];
  for (const { line, specifier } of importsIn(source)) {
    const target = normalize(join(dirname(file), specifier));
    if (target.startsWith("..")) {
      found.push(`${file}:${line}: imports ${specifier}, outside src/`);
      continue;
    }
    const to = layerOf(target.split(sep).join("/"));
    if (to === undefined) found.push(`${file}:${line}: imports ${specifier}, which is in no layer`);
    else if (to !== from && !allowedImports[from]!.includes(to))
      found.push(`${file}:${line}: ${from} may not import ${to} (${specifier})`);
  }
  return found;
}

describe("layering: every import goes downward, as the table of layers allows", () => {
  it("the checker refuses an upward import, a sibling's, an unknown folder and one outside src/", () => {
    assert.deepEqual(
      layerViolations("monitor/monitor.ts", 'import { Dispatcher } from "../domain/dispatcher.js";'),
      ["monitor/monitor.ts:1: monitor may not import domain (../domain/dispatcher.js)"],
    );
    assert.deepEqual(
      layerViolations("platform/real/boot.ts", 'import { x } from "../sim/engine.js";\nconst y = 1;'),
      ["platform/real/boot.ts:1: platform/real may not import platform/sim (../sim/engine.js)"],
    );
    assert.deepEqual(
      layerViolations("vm/tlb.ts", '// import "../monitor/monitor.js"\nexport * from "../../bench/x.js";'),
      ["vm/tlb.ts:2: imports ../../bench/x.js, outside src/"],
    );
    assert.deepEqual(layerViolations("kernel/x.ts", ""), [
      "kernel/x.ts: is in no layer of the table (add its folder to allowedImports)",
    ]);
    assert.deepEqual(
      layerViolations("domain/d.ts", 'import type { M } from "../monitor/m.js";\nimport "./e.js";'),
      [],
    );
  });

  it("no file in src/ imports a layer the table does not allow it", () => {
    const srcRoot = join(repoRoot, "src");
    const files = sourceFiles(srcRoot);
    assert.ok(files.length > 0, `no TypeScript sources found under ${srcRoot}`);
    const offences = files.flatMap((file) =>
      layerViolations(relative(srcRoot, file).split(sep).join("/"), readFileSync(file, "utf8")),
    );
    assert.deepEqual(offences, [], `imports against the layering:\n${offences.join("\n")}`);
  });
});

describe("layering: the sans-IO code touches no platform", () => {
  it("the scanner finds uses in code, not in comments or strings, on the right lines", () => {
    const source = [
      'import { Worker } from "node:worker_threads";',
      "// Date.now() in a comment, setTimeout(f) too",
      "/* performance.now()",
      "   new SharedArrayBuffer(8) */ const x = 1;",
      'const text = "Math.random() and setInterval(f) in a string";',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the scanner reads this as source text
      "const when = `at ${Date.now()} // not a comment`;",
      "const url = 'file://not/a/comment'; setImmediate(done);",
      'const fs = await import("fs/promises");',
      "const t = performance . now();",
      "env.setTimer(1, f); ctx.random();",
    ].join("\n");
    assert.deepEqual(violationsIn(source), [
      '1: imports a platform module (from "node:worker_threads")',
      "6: reads a clock (Date.now)",
      "7: sets a timer of its own",
      '8: imports a platform module (import("fs/promises")',
      "9: reads a clock (performance.now)",
    ]);
  });

  it(`no file under ${sansIoFolders.join(", ")} imports a platform module or reads a clock, randomness or timer`, () => {
    const offences: string[] = [];
    let scanned = 0;
    for (const folder of sansIoFolders) {
      for (const file of sourceFiles(join(repoRoot, folder))) {
        scanned++;
        const name = relative(repoRoot, file);
        for (const violation of violationsIn(readFileSync(file, "utf8")))
          offences.push(`${name}:${violation}`);
      }
    }
    assert.ok(scanned > 0, `no TypeScript sources found under ${repoRoot}`);
    assert.deepEqual(offences, [], `sans-IO code that touches the platform:\n${offences.join("\n")}`);
  });
});
