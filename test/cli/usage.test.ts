// The command line's conventions, as a user meets them (child processes, each bounded): exit status
// 2 for every kind of usage error with a message naming what was wrong, 1 for a command that ran
// and failed, 0 for help; `--cores` is a count and a list given to it is refused with a hint to
// `--core-list`; `help A B` shows A B's help. None of these boots a core except the failing run.
import assert from "node:assert/strict";
import { tmpdir } from "node:os";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runCli } from "../platform/cli-process.js";

/** Exit status of a usage error. */
const usageStatus = 2;
/** A domain program that does not exist. */
const missingDomain = fileURLToPath(new URL("../platform/domains/no-such-domain.js", import.meta.url));

/** Each kind of usage error: the command line, and what its message must say. */
const usageErrors: readonly (readonly [string, readonly string[], RegExp])[] = [
  ["unknown command", ["no-such-command"], /unknown command 'no-such-command'/],
  ["unknown subcommand", ["bench", "no-such-bench"], /unknown command 'no-such-bench'/],
  ["unknown option", ["boot", "--no-such-option"], /unknown option '--no-such-option'/],
  ["missing argument", ["run"], /missing required argument 'program'/],
  ["missing option value", ["bench", "urpc", "--rounds"], /option '--rounds <n>' argument missing/],
  ["bad option value", ["bench", "urpc", "--rounds", "abc"], /--rounds must be an integer/],
  ["bad value, our parser", ["sim", "--crash", "x"], /--crash takes CORE@CYCLES/],
  ["a group without its command", ["bench"], /Usage: multikernel bench/],
  ["our own check of an argument", ["skb", "--cores", "1", "--root", "3"], /--root 3 is not a booted core/],
  [
    "a core count the machine lacks",
    ["bench", "shootdown", "--machine", "amd-2x2", "--core-counts", "8"],
    /--core-counts 8: amd-2x2 has only 4 cores/,
  ],
  [
    "--cores with --core-list",
    ["run", missingDomain, "--cores", "2", "--core-list", "0-1"],
    /'--core-list <list>' cannot be used with option '--cores <n>'/,
  ],
  ["an unknown machine", ["sim", "--machine", "nope", "--run", "boot"], /sim: unknown machine 'nope'/],
  ["an unknown scenario", ["sim", "--machine", "amd-2x2", "--run", "nope"], /sim: unknown scenario 'nope'/],
  [
    "a trace file whose folder does not exist, before the run",
    ["run", missingDomain, "--trace", "/nonexistent-folder/trace.json"],
    /--trace \/nonexistent-folder\/trace\.json: its folder \/nonexistent-folder does not exist/,
  ],
  [
    "a trace file that is a folder, before the run",
    ["run", missingDomain, "--trace", tmpdir()],
    /--trace .*: it is a folder, not a file/,
  ],
  [
    "more cores than the real platform boots (their shared memory)",
    ["boot", "--cores", "257"],
    /--cores must be an integer in \[1, 256\]/,
  ],
  [
    "sim: more cores than the machine has",
    ["sim", "--machine", "amd-2x2", "--run", "boot", "--cores", "9"],
    /sim: --cores 9 is more than the machine has: amd-2x2 has 4 cores \(0-3\)/,
  ],
  [
    "sim: a listed core the machine lacks",
    ["sim", "--machine", "amd-2x2", "--run", "boot", "--core-list", "0,40"],
    /sim: --core-list names core\(s\) 40, but amd-2x2 has 4 cores/,
  ],
  [
    "sim: a pingpong pair the machine lacks",
    ["sim", "--machine", "amd-2x2", "--run", "pingpong", "--pair", "0,99"],
    /sim: --pair names core\(s\) 99, but amd-2x2 has 4 cores/,
  ],
  ["help for no command", ["help", "no-such-command"], /no command 'multikernel no-such-command'/],
  ["help for no subcommand", ["help", "bench", "nope"], /no command 'multikernel bench nope'/],
];

describe("usage errors exit with status 2 and say what was wrong", () => {
  for (const [kind, args, message] of usageErrors) {
    it(`${kind}: multikernel ${args.join(" ")}`, () => {
      const r = runCli(args);
      assert.equal(r.status, usageStatus, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
    });
  }
});

describe("--cores is a count", () => {
  for (const command of [
    ["run", missingDomain],
    ["sim", "--run", "boot"],
  ]) {
    it(`${command[0]} --cores 0-3 is refused with a hint to --core-list 0-3`, () => {
      const r = runCli([...command, "--cores", "0-3"]);
      assert.equal(r.status, usageStatus, r.stderr);
      assert.match(r.stderr, /--cores is a count of cores/);
      assert.match(r.stderr, /use --core-list 0-3/);
    });
  }

  it("boot --cores 0,2 is refused as a list", () => {
    const r = runCli(["boot", "--cores", "0,2"]);
    assert.equal(r.status, usageStatus, r.stderr);
    assert.match(r.stderr, /--cores is a count of cores .*not a list like '0,2'/);
  });

  it("bench shootdown --cores 2,4 is refused with a hint to --core-counts", () => {
    const r = runCli(["bench", "shootdown", "--cores", "2,4"]);
    assert.equal(r.status, usageStatus, r.stderr);
    assert.match(r.stderr, /--core-counts 2,4/);
  });
});

describe("help", () => {
  it("help bench urpc shows bench urpc's help, not bench's", () => {
    const r = runCli(["help", "bench", "urpc"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: multikernel bench urpc \[options\]/);
    assert.match(r.stdout, /--rounds <n>/);
    assert.doesNotMatch(r.stdout, /Commands:/);
  });

  it("help alone, and --help, show the program's commands; --version its version", () => {
    for (const args of [["help"], ["--help"]]) {
      const r = runCli(args);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Usage: multikernel/);
      assert.match(r.stdout, /help \[command\.\.\.\]/);
    }
    const v = runCli(["--version"]);
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+/);
  });
});

describe("a command that runs and fails exits with status 1", () => {
  it("run of a program that does not exist", () => {
    const r = runCli(["run", missingDomain, "--cores", "1"]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /no-such-domain/);
  });
});
