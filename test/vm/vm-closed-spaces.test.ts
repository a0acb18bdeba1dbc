// The vm module drops messages that arrive for address spaces closed on their core, or of a domain
// that ended there, instead of keeping them as early messages: on the loopback platform, spaces
// are closed on one core while the other core's maps to them are in flight, many times past
// vmEarlyMessagesMax. Before, each such message was queued for a space that would never open, and
// once the queue was full the module refused every further message on that core, so a new space's
// map never completed. Messages for a space not yet opened by a live domain are still kept.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addressSpacesPerCoreMax, pageBytes, vmEarlyMessagesMax } from "../../src/limits.js";
import { Monitor } from "../../src/monitor/monitor.js";
import { VmModule } from "../../src/monitor/vm-module.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";
import { rightRead } from "../../src/vm/index.js";
import { drain, settle } from "../domain/harness.js";

const framesPerCore = 64;

function bootTwoCores(): { platform: LoopbackPlatform; vms: VmModule[] } {
  const platform = new LoopbackPlatform([0, 1], { seed: 5 });
  const physicalMemory = new SharedArrayBuffer(2 * framesPerCore * pageBytes);
  const vms: VmModule[] = [];
  platform.add(0, (env) => {
    const monitor = new Monitor(env);
    vms[0] = monitor.add(new VmModule(env, { physicalMemory }));
    return monitor;
  });
  platform.add(1, (env) => {
    const monitor = new Monitor(env);
    vms[1] = monitor.add(new VmModule(env, { physicalMemory }));
    return monitor;
  });
  platform.start();
  return { platform, vms };
}

const unicast = { protocol: "unicast" } as const;

describe("vm module: late messages for closed spaces and ended domains", () => {
  it("drops them, many times past vmEarlyMessagesMax, and still works", async () => {
    const { platform, vms } = bootTwoCores();
    const [vm0, vm1] = [vms[0]!, vms[1]!];
    const spacesPerRound = addressSpacesPerCoreMax / 2;
    const rounds = Math.ceil((2 * vmEarlyMessagesMax) / spacesPerRound);
    let domainId = 1;
    const frames: number[] = [];
    for (let round = 0; round < rounds; round++, domainId++) {
      for (let i = 0; i < spacesPerRound; i++) {
        const name = `domain${domainId}/s${i}`;
        const space = vm0.open(name, [0, 1], unicast, domainId);
        // Half the rounds core 1 opens the space and closes it; the others its domain ends there
        // without opening it. Either way, core 0's map is in flight to core 1 meanwhile.
        if (round % 2 === 0) vm1.open(name, [0, 1], unicast, domainId);
        const frame = space.allocFrame();
        frames.push(frame);
        space.map(0x1000, frame, rightRead).catch(() => {});
      }
      if (round % 2 === 0)
        for (let i = 0; i < spacesPerRound; i++) vm1.close(`domain${domainId}/s${i}`, domainId);
      else vm1.domainEnded(domainId);
      await drain(platform);
      vm0.domainEnded(domainId);
      await drain(platform);
      for (const frame of frames.splice(0)) vm0.memory!.freeFrame(frame);
    }
    // A new space works, and a message for a space not opened yet is still kept until it opens.
    const name = `domain${domainId}/after`;
    const space = vm0.open(name, [0, 1], unicast, domainId);
    const mapped = space.map(0x2000, space.allocFrame(), rightRead);
    await drain(platform);
    const here = vm1.open(name, [0, 1], unicast, domainId);
    await settle(platform, mapped);
    assert.doesNotThrow(() => here.translate(0x2000, rightRead), "core 1 sees the map");
    assert.equal(vm1.counters.messagesQueuedEarly > 0, true, "the map's message waited for the open");
    assert.equal(vm1.earlyCount, 0);
    assert.equal(vm0.openCount + vm1.openCount, 2);
    assert.ok(
      vm1.counters.messagesForClosedDropped >= vmEarlyMessagesMax,
      `${vm1.counters.messagesForClosedDropped} late messages dropped`,
    );
  });
});
