// The monitor contains what its modules throw, whatever it is: a module whose receive or
// peerCoreFailed throws a value whose toString throws is logged (described with describeThrown)
// and the monitor goes on, on the loopback platform.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Monitor } from "../../src/monitor/monitor.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";

/** Bound on the steps of each run. */
const maxSteps = 10_000;
/** A message type no module of these monitors claims but the hostile one. */
const hostileType = 0x7e01;

const hostile = {
  toString() {
    throw new Error("toString refuses");
  },
};

describe("monitor: hostile values thrown by its modules", () => {
  it("a module throwing a value whose toString throws is logged, and the monitor goes on", () => {
    const platform = new LoopbackPlatform([0, 1], { seed: 1 });
    const monitors: Monitor[] = [];
    for (const id of [0, 1]) {
      platform.add(id, (env) => {
        const monitor = new Monitor(env);
        monitor.add({
          name: "hostile",
          receive: (_from, type) => {
            if (type === hostileType) throw hostile;
            return false;
          },
          peerCoreFailed: () => {
            throw hostile;
          },
        });
        monitors[id] = monitor;
        return monitor;
      });
    }
    platform.start();
    const bytes = new Uint8Array(8);
    platform.env(0).portTo(1).send(hostileType, bytes, bytes.length);
    platform.env(0).portTo(1).send(hostileType, bytes, bytes.length);
    platform.runUntilIdle({ maxSteps });
    assert.equal(monitors[1]!.droppedMessages, 2, "both messages dropped, the monitor still receiving");
    assert.ok(
      platform.logLines.some((l) => /module hostile failed: an object whose description threw/.test(l)),
      platform.logLines.join("\n"),
    );
    assert.doesNotThrow(() => monitors[1]!.peerCoreFailed(0, "test"));
    assert.ok(
      platform.logLines.some((l) =>
        /failed handling the failure of core 0: an object whose description threw/.test(l),
      ),
    );
  });
});
