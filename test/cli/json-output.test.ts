// Every command that has --json, run as a user runs it with the smallest sizes its options allow:
// standard output must be one JSON document (`JSON.parse(stdout)`, as `| jq .` reads it) and the
// human output must be on standard error. The list is checked against the program itself, so that
// a new command with --json cannot be left out.
//
// Three commands cannot be made quick, their baselines having fixed sizes: `bench rpc` (about a
// minute), `bench urpc` on the host (minutes under load) and `bench sim` (256-core floods). They
// print through printResult and commandOutput like the others, which output.test.ts checks (no file
// of the CLI writes to standard output but output.ts); `bench urpc --rounds 200 --json` also runs
// in test/bench/cli.test.ts.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { buildProgram } from "../../src/cli/program.js";
import { runCli } from "../platform/cli-process.js";

/** A domain that prints a line on each core (test/platform/domains/prints.ts, compiled). */
const printsDomain = fileURLToPath(new URL("../platform/domains/prints.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "multikernel-json-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Few repetitions of the shootdown example (as test/vm/real-bench-unmap.test.ts runs it). */
const quickShootdown = { TLB_REPS: "5", TLB_WARMUP: "2" };

interface JsonCase {
  /** The command's name under `multikernel`, e.g. "bench kv". */
  readonly command: string;
  /** Its arguments after the name, --json left out. */
  readonly args: readonly string[];
  /** What its human output on standard error must hold. */
  readonly stderr: RegExp;
  readonly env?: Readonly<Record<string, string>>;
}

const cases: readonly JsonCase[] = [
  {
    command: "start",
    args: ["--cores", "2"],
    stderr: /all demonstrations ran; clean shutdown/,
    env: quickShootdown,
  },
  { command: "init", args: [join(dir, "starter")], stderr: /npm install/ },
  { command: "boot", args: ["--cores", "1"], stderr: /shut down cleanly/ },
  { command: "skb", args: ["--cores", "1"], stderr: /\[boot/ },
  { command: "run", args: [printsDomain, "--cores", "1"], stderr: /^\[core 0\] console line from core 0$/m },
  {
    command: "sim",
    args: ["--machine", "amd-2x2", "--run", "pingpong", "--rounds", "1"],
    stderr: /checkers: no violation/,
  },
  { command: "sim", args: ["--seeds", "1..1", "--check"], stderr: /seeds 1\.\.1: 1 passed/ },
  {
    command: "report",
    args: ["--quick", "--no-host", "--out", join(dir, "r.html")],
    stderr: /report: wrote/,
  },
  { command: "bench boot", args: ["--cores", "1", "--runs", "1"], stderr: /bootMs \(median\)/ },
  { command: "bench idle", args: ["--cores", "1"], stderr: /idleCpuPercent/ },
  {
    command: "bench kv",
    args: ["--cores", "1", "--ops", "1", "--window", "1"],
    stderr: /multikernel: ops\/s/,
  },
  {
    command: "bench sharing",
    args: ["--machine", "amd-2x2", "--cores", "1", "--lines", "1", "--updates", "1"],
    stderr: /sharing on amd-2x2/,
  },
  {
    command: "bench shootdown",
    args: ["--machine", "amd-2x2", "--core-counts", "2"],
    stderr: /unmap, cycles/,
  },
  {
    command: "bench shootdown",
    args: ["--real", "--core-counts", "2"],
    stderr: /host: unmap, µs/,
    env: quickShootdown,
  },
  { command: "bench unmap", args: ["--cores", "2"], stderr: /shared-memory/, env: quickShootdown },
  { command: "bench urpc", args: ["--machine", "amd-2x2"], stderr: /simulated Table 2/ },
];

/** Commands with --json that are not run here (see the file's comment; `bench urpc` runs above only with --machine). */
const tooSlowToRun = ["bench rpc", "bench sim"];

/** The full names of every command that has a --json option. */
function commandsWithJson(command: Command, prefix: readonly string[] = []): string[] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    const own = sub.options.some((option) => option.long === "--json") ? [path.join(" ")] : [];
    return [...own, ...commandsWithJson(sub, path)];
  });
}

describe("--json: standard output is one JSON document, for every command", () => {
  it("every command with --json is run here or named as too slow", () => {
    const covered = new Set([...cases.map((c) => c.command), ...tooSlowToRun]);
    assert.deepEqual(commandsWithJson(buildProgram()).sort(), [...covered].sort());
  });

  for (const c of cases) {
    it(`${c.command} ${c.args.join(" ")} --json`, () => {
      const r = runCli([...c.command.split(" "), ...c.args, "--json"], c.env);
      assert.equal(r.status, 0, r.stderr);
      const document = JSON.parse(r.stdout) as unknown;
      assert.equal(typeof document, "object");
      assert.ok(document !== null);
      assert.match(r.stderr, c.stderr);
    });
  }
});

describe("--json: a run that ends without a result is still one JSON document", () => {
  const neverReturns = fileURLToPath(new URL("../platform/domains/never-returns.js", import.meta.url));
  const failures: ReadonlyArray<readonly [string, readonly string[], RegExp]> = [
    ["a program that does not exist", [join(dir, "missing.js"), "--cores", "1"], /no such file/],
    [
      "a run past its --timeout",
      [neverReturns, "--cores", "2", "--timeout", "500"],
      /did not finish within 500 ms/,
    ],
  ];
  for (const [what, args, error] of failures) {
    it(`run: ${what}`, () => {
      const r = runCli(["run", ...args, "--json"]);
      assert.equal(r.status, 1, r.stderr);
      const document = JSON.parse(r.stdout) as { status: number; error: string; exits: unknown[] };
      assert.equal(document.status, 1);
      assert.match(document.error, error);
      assert.deepEqual(document.exits, []);
      assert.match(r.stderr, error);
    });
  }
});
