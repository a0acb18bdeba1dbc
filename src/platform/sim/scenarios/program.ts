// A domain program on the simulated machine (`sim --program FILE`): any module with a `main(ctx)`,
// the examples included, runs unchanged — written once against DomainContext, it gets its time,
// randomness and channels from the simulator instead of worker threads. One dispatcher per core of
// the domain runs `main`; what it logs is the core's log; the run is done when every main has
// returned, and the report gives each core's exit status (a throw is status 1 and its message).

import { describeThrown } from "../../../cpu-driver/describe-thrown.js";
import { Dispatcher } from "../../../domain/dispatcher.js";
import type { DomainMain } from "../../../domain/domain-context.js";
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
          Promise.resolve()
            .then(() => options.main(dispatcher.context))
            .then(
              (result) => {
                const status =
                  result === undefined
                    ? 0
                    : typeof result === "number" && Number.isInteger(result)
                      ? result
                      : 1;
                exits.set(env.coreId, {
                  status,
                  error: status === 1 && result !== 1 ? `main resolved to ${describeThrown(result)}` : "",
                });
              },
              (error: unknown) => {
                exits.set(env.coreId, {
                  status: 1,
                  error: describeThrown(error),
                });
              },
            );
        },
      });
    },
    done: () => exits.size === domainCores.length,
    report(): ScenarioReport {
      const lines: string[] = [];
      const violations: string[] = [];
      for (const core of domainCores) {
        const exit = exits.get(core);
        if (exit === undefined) violations.push(`program: core ${core}'s main never returned`);
        else
          lines.push(
            `core ${core}: main returned ${exit.status}${exit.error === "" ? "" : ` (${exit.error})`}`,
          );
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
