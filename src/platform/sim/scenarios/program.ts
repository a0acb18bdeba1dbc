// A domain program on the simulated machine (`sim --program FILE`): any module with a `main(ctx)`,
// the examples included, runs unchanged — written once against DomainContext, it gets its time,
// randomness and channels from the simulator instead of worker threads. One dispatcher per core of
// the domain runs `main`; what it logs is the core's log; the run is done when every main has
// returned, and the report gives each core's exit status (a throw is status 1 and its message,
// followed in the report's lines by the frames of its stack in the program's files: failure-text.ts).
// A main that does not return 0 fails the run: its core, status and error are a violation, so that
// `sim --program FILE --check` exits non-zero as `run FILE` would.
// Data in and out as on the real platform: `args` (checked as `run` checks them: run-data.ts) are
// each core's `ctx.args`, a structured clone per core; what main returns, when it is a result
// rather than an exit status (exit-status.ts: the same checks of cloneability and size), is that
// core's `value` in the report's `exits`, and is printed after the core's status.

import { Dispatcher } from "../../../domain/dispatcher.js";
import type { DomainMain } from "../../../domain/domain-context.js";
import { checkRunArgs, describeResult } from "../../../domain/run-data.js";
import { type ExitOutcome, exitOutcomeOf, exitStatusFailed } from "../../../monitor/exit-status.js";
import { describeFailure } from "../../program/failure-text.js";
import type { Scenario, ScenarioReport } from "./scenario.js";

export interface ProgramScenarioOptions {
  /** How the program is named in reports (its path). */
  readonly program: string;
  readonly main: DomainMain;
  /** The cores the domain spans; each must be among the run's cores. */
  readonly cores: readonly number[];
  /** Each core's `ctx.args` (a structured clone per core), as `run`'s `args`; default `[]`. */
  readonly args?: unknown;
}

const domainId = 1;

export function programScenario(options: ProgramScenarioOptions): Scenario {
  const domainCores = [...options.cores].sort((a, b) => a - b);
  const exits = new Map<number, ExitOutcome & { readonly frames?: readonly string[] }>();
  if (options.args !== undefined) checkRunArgs(options.args, "program");
  const args = options.args;
  return {
    name: "program",
    continuations: true,
    install(monitor, env, run) {
      for (const core of domainCores) {
        if (!run.cores.includes(core))
          throw new RangeError(`program: core ${core} is not one of the run's cores`);
      }
      if (!domainCores.includes(env.coreId)) return;
      monitor.add({
        name: "program-domain",
        receive: () => false,
        start() {
          const dispatcher = new Dispatcher(monitor, domainId, domainCores, {
            args: args === undefined ? undefined : structuredClone(args),
          });
          // main's synchronous part runs in this start handler (charged to, and named as, this
          // core's work); a synchronous throw becomes a rejection like any other.
          new Promise<unknown>((resolve) => resolve(options.main(dispatcher.context))).then(
            (result) => exits.set(env.coreId, exitOutcomeOf(result)),
            (error: unknown) => {
              const { message, frames } = describeFailure(error);
              exits.set(env.coreId, { status: exitStatusFailed, error: message, frames });
            },
          );
        },
      });
    },
    done: (excused) => domainCores.every((core) => excused.has(core) || exits.has(core)),
    report(): ScenarioReport {
      const lines: string[] = [];
      const violations: string[] = [];
      for (const core of domainCores) {
        const exit = exits.get(core);
        if (exit === undefined) {
          violations.push(`program: core ${core}'s main never returned`);
          continue;
        }
        // Worded as `run` words a real core's end: a failure with its error, else the status.
        const returned =
          exit.error === ""
            ? `core ${core}: main returned ${exit.status}`
            : `core ${core}: domain failed: ${exit.error}`;
        lines.push(returned, ...(exit.frames ?? []));
        if ("value" in exit) lines.push(`core ${core}: result ${describeResult(exit.value)}`);
        if (exit.status !== 0) violations.push(`program: ${returned}`);
      }
      const statuses = domainCores.map((core) => exits.get(core)?.status ?? null);
      return {
        lines: [`program ${options.program} on cores ${domainCores.join(",")}`, ...lines],
        results: { program: options.program, cores: domainCores, statuses, exits: reportedExits(exits) },
        violations,
      };
    },
  };
}

/**
 * Each core's exit, ascending, as `run` reports it: status, error (its message, then one `    at …`
 * line per frame of the program's), and its result when it has one.
 */
function reportedExits(exits: ReadonlyMap<number, ExitOutcome & { readonly frames?: readonly string[] }>) {
  return [...exits.entries()]
    .sort(([a], [b]) => a - b)
    .map(([core, exit]) => ({
      core,
      status: exit.status,
      error: [exit.error, ...(exit.frames ?? [])].join("\n"),
      ...("value" in exit ? { value: exit.value } : {}),
    }));
}
