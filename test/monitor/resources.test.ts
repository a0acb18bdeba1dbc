// Resources a domain holds are returned when it ends, whichever way it ends, and exit statuses are
// bytes: the spawn module on the loopback platform (test/monitor/spawn-harness.ts). Each test here
// failed on the code before: frames were never freed (the next domain found none), an abandoned
// domain held its slot (after domainsMax every spawn was refused), and 256 was reported as a
// status. The soak test runs thousands of short domains — returning, throwing, returning a bad
// status, failing to load, abandoned — and checks that the machine ends as it started.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { DomainContext, DomainMain } from "../../src/domain/domain-context.js";
import { defineRpc, t } from "../../src/index.js";
import { domainsMax, pageBytes } from "../../src/limits.js";
import type { DispatcherExit } from "../../src/monitor/spawn.js";
import { rightRead, rightWrite } from "../../src/vm/rights.js";
import { drain, settle } from "../domain/harness.js";
import { bootSpawnMachine, holdings, type SpawnMachine } from "./spawn-harness.js";

const echo = defineRpc("resources_echo", { echo: { call: [["n", t.u32]], reply: [["n", t.u32]] } });

/** What every test domain does first: export a name, take frames and map one. */
async function holdThings(ctx: DomainContext): Promise<void> {
  await ctx.export(`svc-${ctx.domainId}-${ctx.coreId}`, echo, { echo: (n) => [n] });
  const space = ctx.addressSpace("mem", { protocol: "unicast" });
  const frame = space.allocFrame();
  space.allocFrame();
  if (ctx.coreId === ctx.cores[0]) await space.map(0x1000, frame, rightRead | rightWrite);
}

const never = (): Promise<number> => new Promise<number>(() => {});

const programs = new Map<string, DomainMain>([
  [
    "ok",
    async (ctx) => {
      await holdThings(ctx);
      return 0;
    },
  ],
  [
    "throws",
    async (ctx) => {
      await holdThings(ctx);
      throw new Error("planned failure");
    },
  ],
  [
    "status-256",
    async (ctx) => {
      await holdThings(ctx);
      return 256;
    },
  ],
  ["status-300", async () => 300],
  ["status-255", async () => 255],
  ["status-negative", async () => -1],
  ["status-fraction", async () => 1.5],
  ["status-nan", async () => Number.NaN],
  [
    "hangs",
    async (ctx) => {
      await holdThings(ctx);
      return never();
    },
  ],
]);

async function runToEnd(machine: SpawnMachine, program: string, cores: readonly number[]) {
  return settle(machine.platform, machine.run(program, cores).done);
}

describe("exit statuses", () => {
  it("refuses statuses outside 0–255, naming the value; 255 passes", async () => {
    const machine = bootSpawnMachine(2, programs);
    for (const [program, named] of [
      ["status-256", "256"],
      ["status-300", "300"],
      ["status-negative", "-1"],
      ["status-fraction", "1.5"],
      ["status-nan", "NaN"],
    ] as const) {
      const exits = await runToEnd(machine, program, [0, 1]);
      for (const exit of exits) {
        assert.equal(exit.status, 1, `${program} on core ${exit.core}`);
        assert.match(
          exit.error,
          new RegExp(`main resolved to ${named.replace(".", "\\.")}, not an exit status`),
        );
      }
    }
    const ok = await runToEnd(machine, "status-255", [0, 1]);
    assert.deepEqual(
      ok.map((e) => [e.status, e.error]),
      [
        [255, ""],
        [255, ""],
      ],
    );
  });
});

describe("resources returned when a domain ends", () => {
  it("returns frames, names and address spaces after a return, a throw and a failed load", async () => {
    const machine = bootSpawnMachine(2, programs);
    const before = holdings(machine);
    for (const program of ["ok", "throws", "no-such-program", "ok"]) {
      await runToEnd(machine, program, [0, 1]);
      await drain(machine.platform);
      assert.deepEqual(holdings(machine), before, `after ${program}`);
    }
  });

  it("abandon frees a domain that never ends: slot, dispatchers, frames, names", async () => {
    const machine = bootSpawnMachine(2, programs);
    const before = holdings(machine);
    // More than domainsMax abandoned domains: each must give its slot back.
    for (let i = 0; i < domainsMax + 8; i++) {
      const { domainId, done } = machine.run("hangs", [0, 1]);
      await drain(machine.platform);
      assert.equal(machine.spawns[0]!.abandon(domainId, "run timed out after 5 ms"), true);
      const exits = await done;
      assert.deepEqual(
        exits.map((e) => [e.core, e.status, e.error]),
        [
          [0, 1, "abandoned: run timed out after 5 ms"],
          [1, 1, "abandoned: run timed out after 5 ms"],
        ],
      );
      assert.equal(machine.spawns[0]!.abandon(domainId, "again"), false, "abandoning twice");
      await drain(machine.platform);
      assert.deepEqual(holdings(machine), before, `after abandoned domain ${domainId}`);
    }
  });

  it("abandon keeps the exit of a core that did report", async () => {
    const programsOneHangs = new Map<string, DomainMain>([
      ["half", async (ctx) => (ctx.coreId === 0 ? 3 : never())],
    ]);
    const machine = bootSpawnMachine(2, programsOneHangs);
    const { domainId, done } = machine.run("half", [0, 1]);
    await drain(machine.platform);
    machine.spawns[0]!.abandon(domainId, "timed out");
    assert.deepEqual(
      (await done).map((e) => e.status),
      [3, 1],
    );
  });

  it("soak: thousands of domains, some failing, some throwing, some abandoned, leave the machine as it started", async () => {
    const machine = bootSpawnMachine(3, programs, 7);
    const before = holdings(machine);
    const kinds = ["ok", "throws", "status-256", "hangs", "no-such-program", "ok", "status-300"];
    const domainCount = 2_100;
    const batch = 12;
    const statuses = new Map<string, number>();
    for (let first = 0; first < domainCount; first += batch) {
      const running: { program: string; domainId: number; done: Promise<readonly DispatcherExit[]> }[] = [];
      for (let i = first; i < first + batch; i++) {
        const program = kinds[i % kinds.length]!;
        const cores = i % 2 === 0 ? [0, 1, 2] : [(i % 3) as 0 | 1 | 2];
        running.push({ program, ...machine.run(program, cores) });
      }
      await drain(machine.platform);
      for (const domain of running)
        if (domain.program === "hangs") machine.spawns[0]!.abandon(domain.domainId, "soak timeout");
      for (const domain of running) {
        const exits = await settle(machine.platform, domain.done);
        const failed = exits.find((e) => e.status !== 0)?.status ?? 0;
        const key = `${domain.program}:${failed}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
      await drain(machine.platform);
    }
    assert.deepEqual(holdings(machine), before);
    assert.deepEqual([...statuses.keys()].sort(), [
      "hangs:1",
      "no-such-program:1",
      "ok:0",
      "status-256:1",
      "status-300:1",
      "throws:1",
    ]);
    assert.equal(
      [...statuses.values()].reduce((a, b) => a + b),
      domainCount,
    );
  });
});

describe("spawn reports", () => {
  it("an exit report counts only from the core it names, once", async () => {
    const machine = bootSpawnMachine(2, programs);
    const { domainId, done } = machine.run("hangs", [0, 1]);
    await drain(machine.platform);
    // A forged report from core 1's monitor about core 0, and a second report of core 1: ignored.
    const bsp = machine.spawns[0]!;
    const forged = new Uint8Array(64);
    const { spawnInterface } = await import("../../src/monitor/spawn.js");
    spawnInterface
      .sender({
        name: "forged",
        send: (type, bytes, length) => {
          forged.set(bytes.subarray(0, length));
          bsp.receive(1, type, forged, length);
        },
      })
      .exited(domainId, 0, 42, "");
    assert.equal(bsp.runningCount, 1, "a report for core 0 sent by core 1 ended nothing");
    bsp.abandon(domainId, "test over");
    assert.deepEqual(
      (await done).map((e) => e.status),
      [1, 1],
    );
    assert.equal(pageBytes > 0, true);
  });
});
