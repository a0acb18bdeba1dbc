// The monitor's vm module on the loopback platform: several address spaces of several domains share
// the monitor channels (an id in front of each message) and stay apart; a domain on a subset of the
// cores uses broadcast without touching the others; a core that opens its space late gets the
// messages that arrived before (kept, then handed over); a platform without physical memory, or
// without the shared-memory baseline, refuses with a clear error; an operation a core started
// counts as a call in flight there until it completes. Every wait is bounded in steps.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CoreEnv } from "../../src/cpu-driver/core-env.js";
import { Dispatcher } from "../../src/domain/dispatcher.js";
import type { DomainContext } from "../../src/domain/domain-context.js";
import { pageBytes } from "../../src/limits.js";
import { Monitor } from "../../src/monitor/monitor.js";
import { addressSpaceId, VmModule } from "../../src/monitor/vm-module.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";
import { rightRead, rightWrite } from "../../src/vm/index.js";
import { shootdownAckType } from "../../src/vm/shootdown-messages.js";
import { type Machine, settle, spawn } from "../domain/harness.js";

const framesPerCore = 16;

function bootWithVm(coreCount: number, withMemory = true): Machine {
  const coreIds = Array.from({ length: coreCount }, (_, i) => i);
  const platform = new LoopbackPlatform(coreIds, { seed: 3 });
  const physicalMemory = new SharedArrayBuffer(coreCount * framesPerCore * pageBytes);
  const monitors = coreIds.map((id) =>
    platform.add(id, (env) => {
      const monitor = new Monitor(env);
      monitor.add(new VmModule(env, withMemory ? { physicalMemory } : {}));
      return monitor;
    }),
  );
  platform.start();
  return { platform, monitors };
}

/** Faults code of translating `vaddr`, or "ok". */
function translateCode(ctx: DomainContext, space: string, vaddr: number): string {
  try {
    ctx.addressSpace(space, { protocol: "unicast" }).translate(vaddr, rightRead);
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe("vm module: address spaces through the monitors (loopback)", () => {
  it("two spaces of one domain and a space of another domain stay apart", async () => {
    const machine = bootWithVm(4);
    const cores = [0, 1, 2, 3];
    const seen: string[] = [];
    const main = async (ctx: DomainContext) => {
      const a = ctx.addressSpace("a", { protocol: "unicast" });
      const b = ctx.addressSpace("b", { protocol: "multicast" });
      if (ctx.coreId === 0) {
        await Promise.all([
          a.map(0x1000, a.allocFrame(), rightRead | rightWrite),
          b.map(0x2000, b.allocFrame(), rightRead),
        ]);
        await a.unmap(0x1000, pageBytes);
      }
      return 0;
    };
    const other = async (ctx: DomainContext) => {
      const a = ctx.addressSpace("a", { protocol: "unicast" });
      if (ctx.coreId === 3) await a.map(0x1000, a.allocFrame(), rightRead);
      return 0;
    };
    const one = spawn(machine, 1, cores, main);
    const two = spawn(machine, 2, cores, other);
    assert.deepEqual(await settle(machine.platform, one.exits), [0, 0, 0, 0]);
    assert.deepEqual(await settle(machine.platform, two.exits), [0, 0, 0, 0]);
    for (const d of one.dispatchers) {
      seen.push(translateCode(d.context, "a", 0x1000));
      assert.equal(
        d.context.addressSpace("b", { protocol: "multicast" }).translate(0x2000, rightRead).rights,
        1,
      );
    }
    for (const d of two.dispatchers) seen.push(translateCode(d.context, "a", 0x1000));
    assert.deepEqual(seen, [...cores.map(() => "page-fault"), ...cores.map(() => "ok")]);
    assert.equal(
      machine.monitors.reduce((n, m) => n + m.droppedMessages, 0),
      0,
    );
  });

  it("broadcast on a domain over a subset of the cores reaches only its members", async () => {
    const machine = bootWithVm(4);
    const main = async (ctx: DomainContext) => {
      const s = ctx.addressSpace("s", { protocol: "broadcast" });
      if (ctx.coreId === 3) {
        await s.map(0x3000, s.allocFrame(), rightRead);
        await s.unmap(0x3000, pageBytes);
        await s.map(0x3000, s.allocFrame(), rightRead);
      }
      return 0;
    };
    const domain = spawn(machine, 7, [1, 3], main);
    assert.deepEqual(await settle(machine.platform, domain.exits), [0, 0]);
    assert.equal(
      domain.dispatchers[0]!.context.addressSpace("s", { protocol: "broadcast" }).translate(0x3000, 1).rights,
      1,
    );
    for (const m of machine.monitors) {
      assert.equal(m.droppedMessages, 0);
      assert.equal(m.vm!.openCount, [1, 3].includes(m.env.coreId) ? 1 : 0);
    }
  });

  it("a core that opens its space late gets the updates that came before", async () => {
    const machine = bootWithVm(2);
    let lateDone: (() => void) | undefined;
    const late = new Promise<void>((resolve) => {
      lateDone = resolve;
    });
    const main = async (ctx: DomainContext) => {
      if (ctx.coreId === 1) {
        await late;
        const s = ctx.addressSpace("late", { protocol: "unicast" });
        return s.translate(0x5000, rightRead).rights === rightRead ? 0 : 1;
      }
      const s = ctx.addressSpace("late", { protocol: "unicast" });
      const mapped = s.map(0x5000, s.allocFrame(), rightRead);
      // The update reaches core 1's monitor while core 1 has not opened the space: it waits there.
      await ctx.sleep(1);
      lateDone!();
      await mapped;
      return 0;
    };
    const domain = spawn(machine, 9, [0, 1], main);
    assert.deepEqual(await settle(machine.platform, domain.exits), [0, 0]);
  });

  it("refuses clearly without physical memory or without the shared-memory baseline", async () => {
    const bare = bootWithVm(2, false);
    const ctx = new Dispatcher(bare.monitors[0]!, 4, [0, 1]).context;
    assert.throws(() => ctx.addressSpace("x", { protocol: "unicast" }), /gave core 0 no physical memory/);
    const machine = bootWithVm(2);
    const ctx2 = new Dispatcher(machine.monitors[0]!, 5, [0, 1]).context;
    assert.throws(() => ctx2.addressSpace("y", { protocol: "shared-memory" }), /no shared-memory shootdown/);
    assert.notEqual(addressSpaceId("domain1/a"), addressSpaceId("domain2/a"));
  });
});

/** A vm module on core 0 of 2, over a stub CoreEnv that counts calls in flight and keeps sends. */
function vmWithActivity(): {
  vm: VmModule;
  activity: { callsInFlight: number };
  sent: { type: number; length: number }[];
} {
  const activity = { callsInFlight: 0 };
  const sent: { type: number; length: number }[] = [];
  const refuse = (): never => {
    throw new Error("not used by this test");
  };
  const env: CoreEnv = {
    coreId: 0,
    coreIds: [0, 1],
    nowNs: () => 0,
    random: () => 0.5,
    portTo: () => ({ name: "mesh 0->1", send: (type, _bytes, length) => sent.push({ type, length }) }),
    broadcastPort: refuse,
    allocateChannelId: refuse,
    releaseChannelId: refuse,
    openChannel: refuse,
    setTimer: refuse,
    log: () => {},
    activity,
  };
  const physicalMemory = new SharedArrayBuffer(2 * framesPerCore * pageBytes);
  return { vm: new VmModule(env, { physicalMemory }), activity, sent };
}

describe("vm module: the core keeps polling while its shootdowns are in flight", () => {
  it("an operation still in flight when its domain ends stops counting, and rejects as closed", async () => {
    const { vm, activity, sent } = vmWithActivity();
    const space = vm.open("domain1/a", [0, 1], { protocol: "unicast" }, 1);
    const mapped = space.map(0x1000, space.allocFrame(), rightRead);
    assert.equal(activity.callsInFlight, 1);
    assert.equal(sent.length, 1);
    vm.domainEnded(1);
    assert.equal(activity.callsInFlight, 0, "the ended domain's operation kept its core polling");
    await assert.rejects(mapped, /the address space closed before it completed/);
  });

  it("an operation this core started counts as a call in flight until it completes", async () => {
    const { vm, activity, sent } = vmWithActivity();
    const space = vm.open("domain1/a", [0, 1], { protocol: "unicast" }, 1);
    const mapped = space.map(0x1000, space.allocFrame(), rightRead);
    assert.equal(activity.callsInFlight, 1, "the map, waiting for core 1's acknowledgement");
    assert.equal(sent.length, 1, "the update went to core 1");
    // Core 1 acknowledges: the vm module's id, then the engine's ack (seq 1, one core).
    const ack = new Uint8Array(16);
    const view = new DataView(ack.buffer);
    view.setUint32(0, 1, true);
    view.setUint32(4, addressSpaceId("domain1/a"), true);
    view.setUint32(8, 1, true);
    view.setUint32(12, 1, true);
    assert.equal(vm.receive(1, shootdownAckType, ack, ack.length), true);
    await mapped;
    assert.equal(activity.callsInFlight, 0);
  });
});
