// How commands join the `multikernel` program: each module under src/cli/commands/ exports one
// `Registration`, a function that adds its command to the group it belongs in, and main.ts calls
// every registration, listed explicitly, at start-up. A command module therefore never touches
// another's, and adding a command is one import and one list entry in main.ts.
import type { Command } from "commander";

/** The command groups a registration may add to. */
export interface CommandGroups {
  /** The `multikernel` program itself, for top-level commands. */
  program: Command;
  /** `multikernel bench …`: benchmarks that print a table, or JSON with --json. */
  bench: Command;
}

export type Registration = (groups: CommandGroups) => void;
