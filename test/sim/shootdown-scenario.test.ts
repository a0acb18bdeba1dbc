// The `shootdown` scenario and its VM checker: every message protocol passes many seeds on amd-4x4
// and amd-8x4 with message delays, slow and stalled cores; and the checker, which only observes
// the engines, catches real bugs: an engine that skips the TLB invalidation on one core (for
// unmaps, or for protects), and an engine that acknowledges an update before applying it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pageBytes } from "../../src/limits.js";
import type { Fault } from "../../src/platform/sim/faults.js";
import { runScenario } from "../../src/platform/sim/index.js";
import { shootdownScenario } from "../../src/platform/sim/scenarios/shootdown.js";
import { VmChecker } from "../../src/platform/sim/vm-checker.js";
import { PageAccess } from "../../src/vm/page-access.js";
import { ShootdownEngine } from "../../src/vm/shootdown.js";

const protocols = ["broadcast", "unicast", "multicast", "numa-multicast"] as const;
const machines = ["amd-4x4", "amd-8x4"] as const;
const seeds = 50;

function faultsFor(seed: number): Fault[] {
  return [
    { kind: "delay", probability: (seed % 5) / 10, extraCycles: 300 + 200 * (seed % 13) },
    { kind: "slow", core: seed % 16, factor: 2 + (seed % 5) },
    { kind: "stall", core: (seed * 7 + 1) % 16, fromCycles: 1_000 * seed, toCycles: 1_000 * seed + 30_000 },
  ];
}

/** The engine's private parts this test breaks (TypeScript's `private` is not enforced at run time). */
interface EngineInternals {
  readonly coreId: number;
  readonly tlb: { invalidate(vaddrPage: number, pageCount: number): number };
  apply(update: { readonly kind: number }): void;
  updateReceived(fromCore: number, update: unknown): void;
}
const internals = ShootdownEngine.prototype as unknown as EngineInternals;
const opKindUnmap = 1;
const opKindProtect = 2;

/** Runs `body` with ShootdownEngine.prototype[name] replaced, restoring it afterwards. */
async function withPatched<K extends "apply" | "updateReceived">(
  name: K,
  replacement: (original: EngineInternals[K]) => EngineInternals[K],
  body: () => Promise<void>,
): Promise<void> {
  const original = internals[name];
  (internals as unknown as Record<string, unknown>)[name] = replacement(original);
  try {
    await body();
  } finally {
    (internals as unknown as Record<string, unknown>)[name] = original;
  }
}

/** Runs unicast seeds 1..n on amd-4x4; the violations of every run, concatenated. */
async function violationsOver(n: number): Promise<string[]> {
  const all: string[] = [];
  for (let seed = 1; seed <= n; seed++) {
    const r = await runScenario(shootdownScenario({ protocol: "unicast", pages: 3 }), {
      machine: "amd-4x4",
      seed,
    });
    all.push(...r.violations);
  }
  return all;
}

/** An engine that skips the TLB invalidation of `kind` updates on core 5. */
const skipInvalidation = (kind: number) => (original: EngineInternals["apply"]) =>
  function (this: EngineInternals, update: { readonly kind: number }): void {
    if (this.coreId !== 5 || update.kind !== kind) {
      original.call(this, update);
      return;
    }
    const tlb = this.tlb as { invalidate: EngineInternals["tlb"]["invalidate"] };
    tlb.invalidate = () => 0;
    try {
      original.call(this, update);
    } finally {
      delete (tlb as Partial<typeof tlb>).invalidate;
    }
  };

describe("the shootdown scenario and its VM checker", () => {
  for (const protocol of protocols) {
    it(`${protocol}: ${seeds} seeds × amd-4x4, amd-8x4 with delay, slow and stall faults: no violation`, async () => {
      for (const machine of machines) {
        for (let seed = 1; seed <= seeds; seed++) {
          const r = await runScenario(shootdownScenario({ protocol, pages: 1 + (seed % 6) }), {
            machine,
            seed,
            faults: faultsFor(seed),
          });
          assert.deepEqual(r.violations, [], `${protocol} ${machine} seed ${seed}`);
          assert.equal(r.completed, true, `${protocol} ${machine} seed ${seed} completed`);
          assert.ok((r.results.checkedOperations as number) > 0);
        }
      }
    });
  }

  it("catches an engine that skips the TLB invalidation of unmaps on one core", async () => {
    await withPatched("apply", skipInvalidation(opKindUnmap), async () => {
      const v = await violationsOver(10);
      assert.ok(
        v.some((line) => /core 5 translates page .* when core \d+'s unmap seq \d+ completed/.test(line)),
        v.join("\n"),
      );
    });
  });

  it("catches an engine that skips the TLB invalidation of protects on one core", async () => {
    await withPatched("apply", skipInvalidation(opKindProtect), async () => {
      const v = await violationsOver(10);
      assert.ok(
        v.some((line) =>
          /core 5 translates page .* with .* when core \d+'s protect to .* completed/.test(line),
        ),
        v.join("\n"),
      );
    });
  });

  it("catches an engine that acknowledges an update before applying it (applied one step late)", async () => {
    // Core 5 acknowledges at once and applies the update only after its next event: the classic
    // "ack before invalidate" bug. The unmap completes while core 5 still translates the page.
    await withPatched(
      "updateReceived",
      (original) =>
        function (
          this: EngineInternals & { env: { setTimer(ns: number, f: () => void): void } },
          from,
          update,
        ) {
          if (this.coreId !== 5) {
            original.call(this, from, update);
            return;
          }
          const apply = this.apply;
          const deferred: Array<() => void> = [];
          this.apply = (u) => deferred.push(() => apply.call(this, u));
          try {
            original.call(this, from, update);
          } finally {
            delete (this as Partial<EngineInternals>).apply;
          }
          this.env.setTimer(20_000, () => {
            for (const f of deferred) f();
          });
        },
      async () => {
        const v = await violationsOver(10);
        assert.ok(
          v.some((line) => /core 5 translates page/.test(line)),
          v.join("\n"),
        );
      },
    );
  });

  it("the checker reports a translation that outlives its unmap, naming core, page and sequence", () => {
    const checker = new VmChecker();
    const stale = {
      frame: 9,
      rights: 3,
      seq: 1,
      offsetBytes: 0,
      page: new PageAccess(new Uint8Array(pageBytes), 0, () => {}),
    };
    checker.addCore(0, () => {
      throw new Error("page fault");
    });
    checker.addCore(1, () => stale);
    checker.announce(2, { frame: 9, rights: 3 });
    checker.completed({
      core: 2,
      requestId: 1,
      kind: "map",
      vaddr: 0,
      lengthBytes: pageBytes,
      seq: 1,
      error: undefined,
    });
    checker.completed({
      core: 2,
      requestId: 2,
      kind: "unmap",
      vaddr: 0,
      lengthBytes: pageBytes,
      seq: 2,
      error: undefined,
    });
    assert.equal(checker.violations.length, 1);
    assert.match(
      checker.violations[0]!,
      /core 1 translates page 0x0 \(entry seq 1, frame 9\) when core 2's unmap seq 2 completed/,
    );
    // A translation from a later map (seq 3 > 2) is allowed.
    const later = new VmChecker();
    later.addCore(1, () => ({ ...stale, seq: 3 }));
    later.completed({
      core: 2,
      requestId: 2,
      kind: "unmap",
      vaddr: 0,
      lengthBytes: pageBytes,
      seq: 2,
      error: undefined,
    });
    assert.equal(later.violations.filter((l) => /translates/.test(l)).length, 0);
  });
});
