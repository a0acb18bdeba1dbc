// The `replicated` scenario: many cores update one replicated object at once, one-phase and
// two-phase, and the replica checker (replica-checker.ts) judges the outcome.
//
// Every core of the run holds a replica of "counter" (the ReplicationModule of monitor/
// replication.ts, unchanged): its state is a sum and a count, and every update adds a number. Each
// writer core makes `updatesPerCore` updates at seeded random times within `spreadNs`, all in
// flight together; each is one-phase or two-phase (`mode`, or a seeded choice for "mixed"), and a
// two-phase update may name a core that will vote no (`vetoFraction` of them), so that aborts
// happen. Every replica's onApplied observer tells the checker what it applied; each requester's
// promise tells it how the update ended. The goal: every update of every live core answered (a
// crashed core's own updates are excused). With a crash, each monitor's failure detector tells the
// module (replication.ts, "Failed cores"): a crashed replica leaves the object and the updates
// waiting for it complete on the live ones; a crashed home makes the object failed, and every
// update of a live core rejects "failed" naming it (an answer: it counts as completed). An update
// left unanswered is a stall, which the run reports as a violation (scenario.ts's rule). The
// checker judges what the live replicas applied either way.

import { describeThrown } from "../../../cpu-driver/describe-thrown.js";
import { type ReplicationMode, ReplicationModule } from "../../../monitor/replication.js";
import { ReplicationError } from "../../../monitor/replication-error.js";
import type { SimCoreEnv } from "../engine.js";
import { ReplicaChecker } from "../replica-checker.js";
import type { Scenario, ScenarioReport, ScenarioRun } from "./scenario.js";

export type ReplicatedMode = ReplicationMode | "mixed";

export interface ReplicatedScenarioOptions {
  readonly updatesPerCore: number;
  readonly mode: ReplicatedMode;
  /** Cores that make updates (default every core of the run). */
  readonly writers?: readonly number[];
  /** Fraction of two-phase updates that name a core to vote no (default 0.2). */
  readonly vetoFraction?: number;
  /** Window of virtual time over which each writer makes its updates (default 20 µs). */
  readonly spreadNs?: number;
}

interface CounterState {
  readonly sum: number;
  readonly count: number;
}

interface CounterUpdate {
  readonly id: string;
  readonly add: number;
  /** A core that votes no on this update (two-phase), if any. */
  readonly veto?: number;
}

const objectName = "counter";

export function replicatedScenario(options: ReplicatedScenarioOptions): Scenario {
  const vetoFraction = options.vetoFraction ?? 0.2;
  const spreadNs = options.spreadNs ?? 20_000;
  if (!(Number.isInteger(options.updatesPerCore) && options.updatesPerCore >= 1))
    throw new RangeError(
      `replicated: updatesPerCore must be a positive integer, got ${options.updatesPerCore}`,
    );
  let checker: ReplicaChecker | undefined;
  const modules = new Map<number, ReplicationModule>();
  /** Updates each writer core has issued. */
  const issuedBy = new Map<number, number>();
  let writerCores: readonly number[] = [];
  let issued = 0;
  const counts = { committed: 0, aborted: 0, failed: 0, onePhase: 0, twoPhase: 0 };
  return {
    name: "replicated",
    install(monitor, env: SimCoreEnv, run: ScenarioRun) {
      const writers = options.writers ?? run.cores;
      writerCores = writers;
      checker ??= new ReplicaChecker(objectName, run.cores);
      const check = checker;
      const replication = monitor.add(new ReplicationModule(env));
      modules.set(env.coreId, replication);
      const issue = (i: number): void => {
        const mode: ReplicationMode =
          options.mode === "mixed" ? (env.random() < 0.5 ? "one-phase" : "two-phase") : options.mode;
        const id = `${env.coreId}.${i}`;
        const vetoed = mode === "two-phase" && env.random() < vetoFraction;
        const update: CounterUpdate = {
          id,
          add: 1 + Math.floor(env.random() * 100),
          ...(vetoed ? { veto: run.cores[Math.floor(env.random() * run.cores.length)]! } : {}),
        };
        if (mode === "one-phase") counts.onePhase++;
        else counts.twoPhase++;
        check.issued(id, mode);
        issued++;
        issuedBy.set(env.coreId, (issuedBy.get(env.coreId) ?? 0) + 1);
        replication.update(objectName, update, { mode }).then(
          (result) => {
            counts.committed++;
            check.settled(id, mode, { kind: "committed", seq: result.seq });
          },
          (error: unknown) => {
            const reason = describeThrown(error);
            const aborted = error instanceof ReplicationError && error.code === "voted-no";
            if (aborted) counts.aborted++;
            else counts.failed++;
            check.settled(id, mode, { kind: aborted ? "aborted" : "failed", reason });
          },
        );
      };
      monitor.add({
        name: "replicated-scenario",
        receive: () => false,
        start() {
          const object = replication.create<CounterState, CounterUpdate>(objectName, {
            initial: { sum: 0, count: 0 },
            apply: (state, update) => ({ sum: state.sum + update.add, count: state.count + 1 }),
            validate: (_state, update) =>
              update.veto === env.coreId ? `core ${env.coreId} vetoes ${update.id}` : undefined,
            cores: run.cores,
          });
          object.onApplied((seq, update) => check.applied(env.coreId, seq, update.id));
          if (!writers.includes(env.coreId)) return;
          for (let i = 0; i < options.updatesPerCore; i++) {
            env.setTimer(env.random() * spreadNs, () => issue(i));
          }
        },
      });
    },
    done: (excused) =>
      writerCores.length > 0 &&
      writerCores.every(
        (core) =>
          excused.has(core) ||
          (issuedBy.get(core) === options.updatesPerCore && modules.get(core)?.inFlight === 0),
      ),
    report(run): ScenarioReport {
      const home = run.cores[0]!;
      const live = run.cores.filter((c) => !run.crashing.has(c));
      const violations = checker?.finish(live, !run.crashing.has(home)) ?? [];
      for (const [core, module] of modules) {
        if (module.bufferedCount > 0)
          violations.push(`replication: core ${core} still buffers ${module.bufferedCount} message(s)`);
      }
      const applied = checker?.appliedCounts() ?? new Map<number, number>();
      const homeState = modules.get(home)?.read(objectName) as CounterState | undefined;
      const lines = [
        `replicated: ${issued} updates from ${(options.writers ?? run.cores).length} cores (${counts.onePhase} one-phase, ${counts.twoPhase} two-phase)`,
        `  ${counts.committed} committed, ${counts.aborted} aborted (voted no), ${counts.failed} failed, ${issued - counts.committed - counts.aborted - counts.failed} unanswered`,
        `  home ${home}: sum ${homeState?.sum ?? "n/a"}, count ${homeState?.count ?? "n/a"}; replicas agree: ${violations.length === 0 ? "yes" : "NO"}`,
      ];
      return {
        lines,
        results: {
          issued,
          onePhase: counts.onePhase,
          twoPhase: counts.twoPhase,
          committed: counts.committed,
          aborted: counts.aborted,
          failed: counts.failed,
          appliedPerCore: Object.fromEntries(applied),
          homeState: homeState ?? null,
        },
        violations,
      };
    },
  };
}
