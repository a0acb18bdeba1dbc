// Property test of replicated objects whose user code throws at random points (fast-check, on the
// loopback platform, a fixed seed): random updates from random cores in both modes, while
// onApplied observers, `apply` and `validate` throw (Errors, non-Errors, values whose toString
// throws) for chosen updates, on one core or on every core alike. Checked at the end of every run:
// every update settled; every rejection is a ReplicationError with a code that fits the faults;
// and either every replica agrees (same state, same updates in the same order, each resolved
// update at its seq) or the object is declared failed on every replica. The object fails exactly
// when a one-phase update's apply threw on some replicas and not others (the only fault here that
// makes replicas differ); every other fault leaves it usable.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { ReplicatedObject, ReplicationMode } from "../../src/monitor/replication.js";
import { ReplicationError } from "../../src/monitor/replication-error.js";
import { boot, drain, type Tracked, track } from "./replication-harness.js";

const runs = 150;
const fcSeed = 20261128;

/** An update: its id (its index in the run) and what it adds. */
interface Update {
  readonly id: number;
  readonly value: number;
}

type FaultKind = "observer" | "apply" | "validate";

/** Where user code throws: for update `opIndex`, on `coreIndex` only or on every core. */
interface Fault {
  readonly kind: FaultKind;
  readonly opIndex: number;
  readonly coreIndex: number;
  readonly everywhere: boolean;
  readonly thrownIndex: number;
}

const hostile = {
  toString(): string {
    throw new Error("toString refuses");
  },
};
const thrownValues: readonly unknown[] = [
  new Error("boom"),
  "text",
  undefined,
  7,
  hostile,
  Object.create(null),
];

const opArbitrary = fc.record({
  coreIndex: fc.nat(),
  mode: fc.constantFrom<ReplicationMode>("one-phase", "two-phase"),
  value: fc.integer({ min: 1, max: 9 }),
  stepsAfter: fc.integer({ min: 0, max: 5 }),
});
const faultArbitrary = fc.record({
  kind: fc.constantFrom<FaultKind>("observer", "apply", "validate"),
  opIndex: fc.nat({ max: 29 }),
  coreIndex: fc.nat(),
  everywhere: fc.boolean(),
  thrownIndex: fc.nat({ max: thrownValues.length - 1 }),
});

/** The fault of `kind` that applies to update `id` on `core`, as the value to throw. */
function faultAt(
  faults: readonly Fault[],
  kind: FaultKind,
  id: number,
  core: number,
  cores: number,
): { value: unknown } | undefined {
  const fault = faults.find(
    (f) => f.kind === kind && f.opIndex === id && (f.everywhere || f.coreIndex % cores === core),
  );
  return fault === undefined ? undefined : { value: thrownValues[fault.thrownIndex] };
}

function createObjects(
  modules: ReturnType<typeof boot>["modules"],
  faults: readonly Fault[],
): { objects: ReplicatedObject<number, Update>[]; logs: number[][] } {
  const cores = modules.length;
  const logs: number[][] = [];
  const objects = modules.map((m, core) => {
    const object = m.create<number, Update>("p", {
      initial: 0,
      apply: (state, update) => {
        const fault = faultAt(faults, "apply", update.id, core, cores);
        if (fault !== undefined) throw fault.value;
        return state + update.value;
      },
      validate: (_state, update) => {
        const fault = faultAt(faults, "validate", update.id, core, cores);
        if (fault !== undefined) throw fault.value;
        return undefined;
      },
    });
    // The throwing observer first: the one after it must still hear every apply.
    object.onApplied((_seq, update) => {
      const fault = faultAt(faults, "observer", update.id, core, cores);
      if (fault !== undefined) throw fault.value;
    });
    const log: number[] = [];
    object.onApplied((_seq, update) => log.push(update.id));
    logs.push(log);
    return object;
  });
  return { objects, logs };
}

/** Whether a one-phase update's apply threw on some cores and not others: the replicas then differ. */
function divergesSomewhere(
  specs: readonly { mode: ReplicationMode }[],
  faults: readonly Fault[],
  cores: number,
): boolean {
  return faults.some(
    (f) => f.kind === "apply" && !f.everywhere && cores > 1 && specs[f.opIndex]?.mode === "one-phase",
  );
}

describe("replicated objects: throwing user code, property", () => {
  it("every update settles; replicas agree, or the object is failed on every one", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(2, 3, 4),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.array(opArbitrary, { minLength: 1, maxLength: 30 }),
        fc.array(faultArbitrary, { maxLength: 6 }),
        async (cores, seed, specs, faults) => {
          const { platform, modules } = boot(cores, seed);
          const { objects, logs } = createObjects(modules, faults);
          const tracked: { mode: ReplicationMode; t: Tracked; id: number }[] = [];
          specs.forEach((spec, id) => {
            const object = objects[spec.coreIndex % cores]!;
            tracked.push({
              mode: spec.mode,
              id,
              t: track(object.update({ id, value: spec.value }, { mode: spec.mode })),
            });
            for (let s = 0; s < spec.stepsAfter; s++) platform.step();
          });
          await drain(platform);
          for (const { t, mode } of tracked) {
            assert.ok(t.settled, "every update settled");
            if (t.error === undefined) continue;
            assert.ok(t.error instanceof ReplicationError, String(t.error));
            const allowed =
              mode === "two-phase"
                ? ["voted-no", "diverged", "failed"]
                : ["apply-failed", "diverged", "failed"];
            assert.ok(allowed.includes(t.error.code), `${mode}: ${t.error.message}`);
          }
          const failed = objects.filter((o) => o.failure !== undefined).length;
          assert.equal(
            failed > 0,
            divergesSomewhere(specs, faults, cores),
            "failed exactly when replicas differ",
          );
          if (failed > 0) {
            assert.equal(failed, cores, "a failed object is failed on every replica");
            return;
          }
          for (let core = 1; core < cores; core++) {
            assert.equal(objects[core]!.read(), objects[0]!.read(), `core ${core}'s state is core 0's`);
            assert.deepEqual(logs[core], logs[0], `core ${core} applied the same updates in the same order`);
          }
          for (const { t, id } of tracked) {
            if (t.result !== undefined)
              assert.equal(logs[0]![t.result.seq - 1], id, "a resolved update holds its seq");
          }
        },
      ),
      { numRuns: runs, seed: fcSeed },
    );
  });
});
