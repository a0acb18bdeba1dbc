// The `multikernel` program: a commander program whose commands live one per file under
// src/cli/commands/ and join through their registrations (see registration.ts), listed here in the
// order `--help` shows them. main.ts parses the command line with it; tests walk its commands.
//
// Every command inherits `exitOverride`, so that commander's errors (and --help's and --version's
// exits) are thrown to main.ts, which maps them to exit statuses; commander's one-level help
// command is replaced by commands/help.ts's `help A B`.
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerBenchBoot } from "./commands/bench-boot.js";
import { registerBenchIdle } from "./commands/bench-idle.js";
import { registerBenchKv } from "./commands/bench-kv.js";
import { registerBenchRpc } from "./commands/bench-rpc.js";
import { registerBenchSharing } from "./commands/bench-sharing.js";
import { registerBenchShootdown } from "./commands/bench-shootdown.js";
import { registerBenchSim } from "./commands/bench-sim.js";
import { registerBenchUnmap } from "./commands/bench-unmap.js";
import { registerBenchUrpc } from "./commands/bench-urpc.js";
import { registerBoot } from "./commands/boot.js";
import { registerHelp } from "./commands/help.js";
import { registerInit } from "./commands/init.js";
import { registerReport } from "./commands/report.js";
import { registerRun } from "./commands/run.js";
import { registerSim } from "./commands/sim.js";
import { registerSkb } from "./commands/skb.js";
import { registerStart } from "./commands/start.js";
import type { CommandGroups, Registration } from "./registration.js";

/** Every command of the program, in the order `--help` lists them. */
const registrations: readonly Registration[] = [
  registerStart,
  registerInit,
  registerBoot,
  registerSkb,
  registerRun,
  registerSim,
  registerReport,
  registerBenchBoot,
  registerBenchKv,
  registerBenchIdle,
  registerBenchRpc,
  registerBenchSharing,
  registerBenchShootdown,
  registerBenchSim,
  registerBenchUnmap,
  registerBenchUrpc,
  registerHelp,
];

function packageVersion(): string {
  // From dist/src/cli/program.js the package root is three levels up; from src/cli/program.ts, two.
  for (const relative of ["../../../package.json", "../../package.json"]) {
    try {
      const text = readFileSync(new URL(relative, import.meta.url), "utf8");
      const version = (JSON.parse(text) as { version?: unknown }).version;
      if (typeof version === "string") return version;
    } catch {
      // Not at this level; try the next.
    }
  }
  return "0.0.0";
}

/** A fresh program with every command registered. */
export function buildProgram(): Command {
  const program = new Command("multikernel")
    .description("A multikernel for Node.js: per-core kernels and monitors talking only over URPC.")
    .version(packageVersion())
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride() // throw commander's errors (and --help's exit) to main.ts; inherited below
    .helpCommand(false); // commands/help.ts's `help A B` replaces commander's one-level one
  const bench = program
    .command("bench")
    .description("Benchmarks: each prints a table, or with --json one JSON document on standard output.");
  const groups: CommandGroups = { program, bench };
  for (const register of registrations) register(groups);
  return program;
}
