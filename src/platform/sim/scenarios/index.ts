// The simulator's scenarios by name, and how a name and its parameters become a Scenario: what the
// `sim` command, the randomised checker (check-run.ts) and the benchmarks build runs from.
//
//   boot        the real BootModule on every core, then the SKB's latency probe (boot.ts)
//   pingpong    two monitors exchange typed messages; one-way latency in cycles (pingpong.ts), or
//               two dispatchers of a domain make typed RPC calls (domain-pingpong.ts)
//   replicated  concurrent one-phase and two-phase updates of one replicated object (replicated.ts)
//   shootdown   concurrent maps, unmaps and protects under translations, checked by the VM checker
//               (shootdown.ts, ../vm-checker.ts)

import { simBootProbeRoundsDefault, tlbSafetyPagesDefault } from "../../../limits.js";
import { bootScenario } from "./boot.js";
import { domainPingPongScenario } from "./domain-pingpong.js";
import { pingPongScenario } from "./pingpong.js";
import { type ReplicatedMode, replicatedScenario } from "./replicated.js";
import type { Scenario } from "./scenario.js";
import { shootdownScenario } from "./shootdown.js";

export {
  type Detection,
  runScenario,
  type Scenario,
  type ScenarioOptions,
  type ScenarioReport,
  type ScenarioResult,
  type ScenarioRun,
} from "./scenario.js";
export { bootScenario, pingPongScenario, type ReplicatedMode, replicatedScenario };

export const scenarioNames = ["boot", "pingpong", "replicated", "shootdown"] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/** Every scenario's parameters; each takes the ones it knows and defaults the rest. */
export interface ScenarioParams {
  /** boot: run the SKB probe after boot (default true). */
  readonly probe?: boolean;
  /** boot: timed round trips per pair (default simBootProbeRoundsDefault). */
  readonly probeRounds?: number;
  /** boot: untimed round trips per pair first (default 1). */
  readonly probeWarmupRounds?: number;
  /** pingpong: the two cores (default the run's first and last). */
  readonly pair?: readonly [number, number];
  /** pingpong: round trips (default 100). */
  readonly rounds?: number;
  /** pingpong: through a domain's RPC (dispatchers, binding) instead of between monitors. */
  readonly domain?: boolean;
  /** replicated: updates each core makes (default 4). */
  readonly updatesPerCore?: number;
  /** replicated: "one-phase", "two-phase" or "mixed" (default). */
  readonly mode?: ReplicatedMode;
  /** shootdown: the protocol (default numa-multicast). */
  readonly protocol?: "broadcast" | "unicast" | "multicast" | "numa-multicast";
  /** shootdown: pages mapped at the start (default tlbSafetyPagesDefault). */
  readonly pages?: number;
}

export function isScenarioName(name: string): name is ScenarioName {
  return (scenarioNames as readonly string[]).includes(name);
}

/** The scenario `name` with `params`, for a run on `cores` (ascending). */
export function makeScenario(name: ScenarioName, params: ScenarioParams, cores: readonly number[]): Scenario {
  switch (name) {
    case "boot":
      return bootScenario({
        ...(params.probe === undefined ? {} : { probe: params.probe }),
        probeRounds: params.probeRounds ?? simBootProbeRoundsDefault,
        probeWarmupRounds: params.probeWarmupRounds ?? 1,
      });
    case "pingpong": {
      const [a, b] = params.pair ?? [cores[0]!, cores[cores.length - 1]!];
      const rounds = params.rounds ?? 100;
      return params.domain === true
        ? domainPingPongScenario({ a, b, rounds })
        : pingPongScenario({ a, b, rounds });
    }
    case "replicated":
      return replicatedScenario({ updatesPerCore: params.updatesPerCore ?? 4, mode: params.mode ?? "mixed" });
    case "shootdown":
      return shootdownScenario({
        protocol: params.protocol ?? "numa-multicast",
        pages: params.pages ?? tlbSafetyPagesDefault,
      });
  }
}
