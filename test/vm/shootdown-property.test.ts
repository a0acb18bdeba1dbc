// Property tests of the shootdown engine: random operation sequences from random cores, issued
// between random numbers of platform steps under random seeds and every protocol. Safety is checked
// at every completion (harness.ts); at the end every operation has settled, with success or a
// VmError, and every replica and TLB agrees. Issued one at a time, the outcome matches a sequential
// model of the page table.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { pageBytes } from "../../src/limits.js";
import { messageShootdownProtocols, rightsAll, VmError } from "../../src/vm/index.js";
import { boot, checkReplicasAgree, maxSteps, warmTlbs } from "./harness.js";

interface Op {
  readonly core: number;
  readonly kind: "map" | "unmap" | "protect";
  readonly page: number;
  readonly pages: number;
  readonly frame: number;
  readonly rights: number;
  /** Platform steps to take after issuing it. */
  readonly steps: number;
}

const pagesInPlay = 8;

function opArbitrary(cores: number): fc.Arbitrary<Op> {
  return fc.record({
    core: fc.integer({ min: 0, max: cores - 1 }),
    kind: fc.constantFrom("map" as const, "unmap" as const, "protect" as const),
    page: fc.integer({ min: 0, max: pagesInPlay - 1 }),
    pages: fc.integer({ min: 1, max: 2 }),
    frame: fc.integer({ min: 0, max: cores * 8 - 2 }),
    rights: fc.integer({ min: 0, max: rightsAll }),
    steps: fc.integer({ min: 0, max: 30 }),
  });
}

function issue(engines: ReturnType<typeof boot>["engines"], op: Op): Promise<void> {
  const engine = engines[op.core]!;
  const vaddr = op.page * pageBytes;
  const length = op.pages * pageBytes;
  if (op.kind === "map") return engine.map(vaddr, op.frame, op.rights, length);
  if (op.kind === "unmap") return engine.unmap(vaddr, length);
  return engine.protect(vaddr, length, op.rights);
}

const settings = fc.record({
  cores: fc.constantFrom(2, 4, 16),
  protocol: fc.constantFrom(...messageShootdownProtocols),
  seed: fc.integer({ min: 0, max: 0xffff_ffff }),
});

describe("shootdown: properties", () => {
  it("concurrent random operations: safety at every completion, all settle, replicas agree", async () => {
    await fc.assert(
      fc.asyncProperty(
        settings.chain((s) => fc.tuple(fc.constant(s), fc.array(opArbitrary(s.cores), { maxLength: 40 }))),
        async ([s, ops]) => {
          const m = boot(s.cores, s.protocol, { seed: s.seed });
          const promises: Promise<void>[] = [];
          for (const op of ops) {
            promises.push(issue(m.engines, op));
            for (let i = 0; i < op.steps; i++) if (!m.platform.step()) break;
            warmTlbs(m.engines);
          }
          m.platform.runUntilIdle({ maxSteps });
          for (const result of await Promise.allSettled(promises)) {
            if (result.status === "rejected")
              assert.ok(result.reason instanceof VmError, String(result.reason));
          }
          checkReplicasAgree(m.engines);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("operations one at a time match a sequential model, under every protocol", async () => {
    await fc.assert(
      fc.asyncProperty(
        settings.chain((s) => fc.tuple(fc.constant(s), fc.array(opArbitrary(s.cores), { maxLength: 30 }))),
        async ([s, ops]) => {
          const m = boot(s.cores, s.protocol, { seed: s.seed });
          const model = new Map<number, [number, number]>();
          for (const op of ops) {
            const range = Array.from({ length: op.pages }, (_, i) => op.page + i);
            let expected: string | undefined;
            if (op.kind === "map") {
              if (range.some((p) => model.has(p))) expected = "already-mapped";
            } else {
              // Page by page, in order, as the engine checks.
              for (const p of range) {
                const entry = model.get(p);
                if (entry === undefined) expected = "not-mapped";
                else if (op.kind === "protect" && (op.rights & ~entry[1]) !== 0)
                  expected = "rights-escalation";
                if (expected !== undefined) break;
              }
            }
            const promise = issue(m.engines, op);
            m.platform.runUntilIdle({ maxSteps });
            const result = await promise.then(
              () => undefined,
              (e: unknown) => (e instanceof VmError ? e.code : String(e)),
            );
            assert.equal(result, expected, `${op.kind} page ${op.page}+${op.pages} from core ${op.core}`);
            if (expected !== undefined) continue;
            for (const [i, p] of range.entries()) {
              if (op.kind === "map") model.set(p, [op.frame + i, op.rights]);
              else if (op.kind === "unmap") model.delete(p);
              else model.set(p, [model.get(p)![0], op.rights]);
            }
          }
          checkReplicasAgree(m.engines);
          const want = [...model.entries()].sort((a, b) => a[0] - b[0]).map(([p, [f, r]]) => [p, f, r]);
          assert.deepEqual(m.engines[0]!.replica.snapshot(), want);
        },
      ),
      { numRuns: 150 },
    );
  });
});
