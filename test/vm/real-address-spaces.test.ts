// Address spaces of domains on the real platform (ctx.addressSpace), for every protocol — the four
// message protocols through the monitors and the shared-memory baseline — on 2 cores, and on 4
// cores over this machine's CPUs (with the SKB measured, so multicast and numa-multicast use its
// packages and tree): map/translate/protect/unmap across cores with the frame's bytes shared; the
// same final state for every protocol; after an unmap resolves no core translates the page; a
// stress of concurrent translations on all cores and unmaps from two cores (bounded rounds); bad
// input refused with a clear VmError through the domain API. Every wait is bounded; no timings.
// The domains live in ./domains.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { boot, type DomainResult, type Multikernel } from "../../src/index.js";

/** Bound on one test: one domain on a booted system. */
const domainTestTimeoutMs = 120_000;
/** Bound on booting (with or without the SKB's measurement) or shutting down. */
const bootHookTimeoutMs = 120_000;
/** Bound on one domain's run, inside the test's. */
const runTimeoutMs = 100_000;

function domain(name: string): string {
  return fileURLToPath(new URL(`./domains/${name}.js`, import.meta.url));
}

function assertAllExited(result: DomainResult, cores: readonly number[]): void {
  assert.deepEqual(
    result.exits,
    cores.map((core) => ({ core, status: 0, error: "" })),
  );
}

/** The "final <protocol> core <c>: <state>" lines, as protocol → core → state. */
function finalStates(lines: readonly string[]): Map<string, Map<number, string>> {
  const states = new Map<string, Map<number, string>>();
  for (const line of lines) {
    const match = /final (\S+) core (\d+): (.*)$/.exec(line);
    if (match === null) continue;
    const byCore = states.get(match[1]!) ?? new Map<number, string>();
    byCore.set(Number(match[2]), match[3]!);
    states.set(match[1]!, byCore);
  }
  return states;
}

function suite(coreCount: number, measureLatency: boolean): void {
  const cores = Array.from({ length: coreCount }, (_, i) => i);
  describe(`real platform: address spaces on ${coreCount} cores${measureLatency ? " (SKB measured)" : ""}`, () => {
    let system: Multikernel;
    const lines: string[] = [];

    before(
      async () => {
        system = await boot({ cores: coreCount, measureLatency, onLog: (line) => lines.push(line) });
      },
      { timeout: bootHookTimeoutMs },
    );

    after(
      async () => {
        await system?.shutdown();
      },
      { timeout: bootHookTimeoutMs },
    );

    it("map, translate, protect, unmap across cores: shared bytes, one final state for every protocol", {
      timeout: domainTestTimeoutMs,
    }, async () => {
      lines.length = 0;
      const result = await system.run(domain("vm-basics"), cores, runTimeoutMs);
      assertAllExited(result, cores);
      const states = finalStates(lines);
      assert.deepEqual([...states.keys()].sort(), [
        "broadcast",
        "multicast",
        "numa-multicast",
        "shared-memory",
        "unicast",
      ]);
      const all = new Set<string>();
      for (const byCore of states.values()) {
        assert.deepEqual([...byCore.keys()].sort(), cores);
        for (const state of byCore.values()) all.add(state);
      }
      assert.deepEqual([...all], ['[{"rights":1,"byte":160},"page-fault","page-fault"]']);
    });

    it("concurrent translations on every core while two cores unmap: no core translates after", {
      timeout: domainTestTimeoutMs,
    }, async () => {
      assertAllExited(await system.run(domain("vm-stress"), cores, runTimeoutMs), cores);
    });

    it("bad input gives a clear VmError through the domain API", {
      timeout: domainTestTimeoutMs,
    }, async () => {
      lines.length = 0;
      assertAllExited(await system.run(domain("vm-bad-input"), cores, runTimeoutMs), cores);
      const unaligned = lines.find((l) => l.includes("bad-input unicast unaligned map"));
      assert.match(unaligned ?? "", /unaligned: core 0: map\(0x1001, .*not aligned to the 4096-byte page/);
      const escalation = lines.find((l) => l.includes("bad-input shared-memory rights escalation"));
      assert.match(escalation ?? "", /rights-escalation: .*rights escalation: page 0x4000 is mapped rw-/);
    });

    it("an uncaught unmap of what is not mapped fails the domain with the error's text", {
      timeout: domainTestTimeoutMs,
    }, async () => {
      const result = await system.run(domain("vm-unmap-unmapped"), cores, runTimeoutMs);
      assert.equal(result.status, 1);
      const exit = result.exits.find((e) => e.core === 0)!;
      assert.match(exit.error, /core 0: unmap\(0x7000, 4096\): page 0x7000 is not mapped/);
    });
  });
}

suite(2, false);
suite(4, true);
