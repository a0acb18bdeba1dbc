// A domain program on the simulated machine (`sim --program FILE`): any module with a `main(ctx)`,
// the examples included, runs unchanged — written once against DomainContext, it gets its time,
// randomness and channels from the simulator instead of worker threads. One dispatcher per core of
// the domain runs `main`; what it logs is the core's log; the run is done when every main has
// returned, and the report gives each core's exit status (a throw is status 1 and its message).
// A main that does not return 0 fails the run: its core, status and error are a violation, so that
// `sim --program FILE --check` exits non-zero as `run FILE` would.

import { describeThrown } from "../../../cpu-driver/describe-thrown.js";
import { Dispatcher } from "../../../domain/dispatcher.js";
import type { DomainMain } from "../../../domain/domain-context.js";
import { exitOutcomeOf, exitStatusFailed } from "../../../monitor/exit-status.js";
import type { Scenario, ScenarioReport } from "./scenario.js";

export interface ProgramScenarioOptions {
  /** How the program is named in reports (its path). */
  readonly program: string;
  readonly main: DomainMain;
  /** The cores the domain spans; each must be among the run's cores. */
  readonly cores: readonly number[];
}

const domainId = 1;

export function programScenario(options: ProgramScenarioOptions): Scenario {
  const domainCores = [...options.cores].sort((a, b) => a - b);
  const exits = new Map<number, { status: number; error: string }>();
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
          const dispatcher = new Dispatcher(monitor, domainId, domainCores);
          // main's synchronous part runs in this start handler (charged to, and named as, this
          // core's work); a synchronous throw becomes a rejection like any other.
          new Promise<unknown>((resolve) => resolve(options.main(dispatcher.context))).then(
            (result) => exits.set(env.coreId, exitOutcomeOf(result)),
            (error: unknown) => {
              exits.set(env.coreId, { status: exitStatusFailed, error: describeThrown(error) });
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
        const returned = `core ${core}: main returned ${exit.status}${exit.error === "" ? "" : ` (${exit.error})`}`;
        lines.push(returned);
        if (exit.status !== 0) violations.push(`program: ${returned}`);
      }
      const statuses = domainCores.map((core) => exits.get(core)?.status ?? null);
      return {
        lines: [`program ${options.program} on cores ${domainCores.join(",")}`, ...lines],
        results: { program: options.program, cores: domainCores, statuses },
        violations,
      };
    },
  };
}
