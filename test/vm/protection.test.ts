// Protection between domains' memory. The first two attacks worked on the code before: a
// translation's view was all of physical memory (`bytes.buffer`) and outlived its unmap; a domain
// could map a frame another domain allocated. The third guards the space id keyed by domain: a
// name crafted so that its FNV-1a hash equals another domain's space id (easy, meet in the middle)
// must reach nothing of that domain's space.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DomainContext, DomainMain } from "../../src/domain/domain-context.js";
import { pageBytes } from "../../src/limits.js";
import { addressSpaceId } from "../../src/monitor/vm-module.js";
import { rightRead, rightWrite } from "../../src/vm/rights.js";
import { drain, settle } from "../domain/harness.js";
import { bootSpawnMachine } from "../monitor/spawn-harness.js";

const never = (): Promise<number> => new Promise<number>(() => {});
const codeOf = (run: () => unknown): string => {
  try {
    run();
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
};

/** Every buffer reachable from `root` through own properties (a few levels deep). */
function reachableBuffers(root: unknown, depth = 4): ArrayBufferLike[] {
  const found: ArrayBufferLike[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, level: number): void => {
    if (value === null || (typeof value !== "object" && typeof value !== "function") || seen.has(value))
      return;
    seen.add(value);
    if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) found.push(value);
    if (ArrayBuffer.isView(value)) found.push(value.buffer);
    if (level === 0) return;
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor !== undefined && "value" in descriptor) visit(descriptor.value, level - 1);
    }
  };
  visit(root, depth);
  return found;
}

/** A UTF-16 name whose `domain<d>/` scoped FNV-1a hash equals `target` (meet in the middle). */
function collidingName(domainId: number, target: number): string {
  const prime = 0x01000193;
  let inverse = prime;
  for (let i = 0; i < 5; i++) inverse = Math.imul(inverse, 2 - Math.imul(prime, inverse));
  const wanted = Math.imul(target, inverse) >>> 0; // the state before the last character, low 16 bits free
  const prefix = addressSpaceId(`domain${domainId}/`);
  const step = (hash: number, code: number) => Math.imul(hash ^ code, prime) >>> 0;
  for (let a = 1; a < 0x10000; a++) {
    const ha = step(prefix, a);
    for (let b = 1; b < 0x10000; b++) {
      const hb = step(ha, b);
      if (hb >>> 16 !== wanted >>> 16) continue;
      const c = (hb ^ wanted) & 0xffff;
      if (c === 0) continue;
      return String.fromCharCode(a, b, c);
    }
  }
  throw new Error("no colliding name found");
}

describe("a domain reaches memory only through its own address spaces", () => {
  it("a translation hands out no buffer, and faults after the unmap or protect that took it away", async () => {
    let result = "";
    const programs = new Map<string, DomainMain>([
      [
        "attacker",
        async (ctx: DomainContext) => {
          const space = ctx.addressSpace("s", { protocol: "unicast" });
          await space.map(0x1000, space.allocFrame(), rightRead | rightWrite);
          const kept = space.translate(0x1000, rightWrite);
          kept.page.set(0, 7);
          const buffers = reachableBuffers(kept);
          const largest = Math.max(0, ...buffers.map((b) => b.byteLength));
          await space.protect(0x1000, pageBytes, rightRead);
          const writeAfterProtect = codeOf(() => kept.page.set(0, 8));
          const readAfterProtect = codeOf(() => kept.page.get(0));
          await space.unmap(0x1000, pageBytes);
          const readAfterUnmap = codeOf(() => kept.page.get(0));
          result = JSON.stringify({ largest, writeAfterProtect, readAfterProtect, readAfterUnmap });
          return 0;
        },
      ],
    ]);
    const machine = bootSpawnMachine(2, programs);
    await settle(machine.platform, machine.run("attacker", [0, 1]).done);
    assert.deepEqual(JSON.parse(result), {
      largest: 0,
      writeAfterProtect: "protection-fault",
      readAfterProtect: "ok",
      readAfterUnmap: "page-fault",
    });
  });

  it("a domain cannot map a frame another domain allocated; a closed handle refuses every call", async () => {
    let victimFrame = -1;
    let outcome = "";
    let kept: ReturnType<DomainContext["addressSpace"]> | undefined;
    const programs = new Map<string, DomainMain>([
      [
        "victim",
        async (ctx) => {
          kept = ctx.addressSpace("v", { protocol: "unicast" });
          victimFrame = kept.allocFrame();
          await kept.map(0x1000, victimFrame, rightRead | rightWrite);
          return never();
        },
      ],
      [
        "thief",
        async (ctx) => {
          const space = ctx.addressSpace("t", { protocol: "unicast" });
          outcome = await space.map(0x1000, victimFrame, rightRead).then(
            () => "mapped",
            (error: { code?: string }) => error.code ?? "?",
          );
          return 0;
        },
      ],
    ]);
    const machine = bootSpawnMachine(2, programs);
    const victim = machine.run("victim", [0]);
    await drain(machine.platform);
    await settle(machine.platform, machine.run("thief", [0]).done);
    assert.equal(outcome, "frame-not-owned");
    machine.spawns[0]!.abandon(victim.domainId, "test over");
    await drain(machine.platform);
    assert.equal(
      codeOf(() => kept!.translate(0x1000, rightRead)),
      "closed",
    );
  });

  it("a space name crafted to collide with another domain's space id reaches nothing of it", async () => {
    let victimDomain = 0;
    let victimView = "";
    const programs = new Map<string, DomainMain>([
      [
        "victim",
        async (ctx) => {
          victimDomain = ctx.domainId;
          const space = ctx.addressSpace("s", { protocol: "unicast" });
          if (ctx.coreId === ctx.cores[0]) await space.map(0x1000, space.allocFrame(), rightRead);
          await ctx.sleep(50);
          victimView = codeOf(() => space.translate(0x5000, rightRead));
          return 0;
        },
      ],
      [
        "attacker",
        async (ctx) => {
          if (ctx.coreId !== 2) return never(); // stays away from core 0: no collision refused there
          const name = collidingName(ctx.domainId, addressSpaceId(`domain${victimDomain}/s`));
          const space = ctx.addressSpace(name, { protocol: "unicast" });
          void space.map(0x5000, space.allocFrame(), rightRead).catch(() => {});
          return never();
        },
      ],
    ]);
    const machine = bootSpawnMachine(3, programs);
    const victim = machine.run("victim", [0, 1]);
    await drain(machine.platform, 50);
    const attacker = machine.run("attacker", [0, 2]); // its home core is 0, the victim's home too
    const exits = await settle(machine.platform, victim.done);
    assert.deepEqual(
      exits.map((e) => e.status),
      [0, 0],
    );
    assert.equal(victimView, "page-fault", "the attacker's map reached the victim's page table");
    machine.spawns[0]!.abandon(attacker.domainId, "test over");
    await drain(machine.platform);
  });
});
