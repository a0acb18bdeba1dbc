// `multikernel help [COMMAND…]`: the help of a command at any depth, so that `help bench urpc` shows
// `bench urpc`'s help, not `bench`'s (commander's own help command looks at one name only; main.ts
// turns it off). The names are followed from the program down, one level each; a name that is no
// command at its level is a usage error naming it and the commands that level has.
import type { Command } from "commander";
import { UsageError } from "../arguments.js";
import type { Registration } from "../registration.js";

/** The command that `names` leads to from `root`; throws a UsageError at the first unknown name. */
export function findCommand(root: Command, names: readonly string[]): Command {
  let command = root;
  for (const [depth, name] of names.entries()) {
    const next = command.commands.find((sub) => sub.name() === name || sub.aliases().includes(name));
    if (next === undefined) {
      const path = [root.name(), ...names.slice(0, depth + 1)].join(" ");
      const known = command.commands.map((sub) => sub.name()).join(", ");
      throw new UsageError(`help: no command '${path}' (${command.name()} has: ${known})`);
    }
    command = next;
  }
  return command;
}

export const registerHelp: Registration = ({ program }) => {
  program
    .command("help")
    .description("show the help of a command, e.g. `help bench urpc`")
    .argument("[command...]", "the command's name, and its subcommand's")
    .action((names: string[]) => {
      findCommand(program, names).outputHelp();
    });
};
