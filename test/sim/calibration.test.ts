// The simulated URPC reproduces the paper's Table 2: latency within 10 % and throughput within 20 %
// on each of the paper's four machines. This is a deterministic computation (fixed seed, virtual
// time), so it is a valid unit test.
import assert from "node:assert/strict";
import { test } from "node:test";
import { simulateUrpcTable } from "../../src/platform/sim/urpc-table.js";

const expectedClasses: Record<string, string[]> = {
  "intel-2x4": ["shared", "non-shared"],
  "amd-2x2": ["same-die", "one-hop"],
  "amd-4x4": ["shared", "one-hop", "two-hop"],
  "amd-8x4": ["shared", "one-hop", "two-hop"],
};

for (const [machine, classes] of Object.entries(expectedClasses)) {
  test(`Table 2 on ${machine}: latency within 10 %, throughput within 20 %`, () => {
    const table = simulateUrpcTable(machine);
    assert.deepEqual(
      table.paths.map((p) => p.class),
      classes,
    );
    for (const p of table.paths) {
      assert.ok(p.paperLatencyCycles !== undefined && p.paperMsgsPerKcycle !== undefined);
      const latencyError = Math.abs(p.latencyCycles - p.paperLatencyCycles) / p.paperLatencyCycles;
      const throughputError = Math.abs(p.msgsPerKcycle - p.paperMsgsPerKcycle) / p.paperMsgsPerKcycle;
      assert.ok(
        latencyError < 0.1,
        `${machine} ${p.class}: latency ${p.latencyCycles} vs ${p.paperLatencyCycles}`,
      );
      assert.ok(
        throughputError < 0.2,
        `${machine} ${p.class}: ${p.msgsPerKcycle} vs ${p.paperMsgsPerKcycle} msgs/kcycle`,
      );
    }
  });
}

test("the table is the same for the same seed", () => {
  assert.deepEqual(simulateUrpcTable("amd-2x2", { seed: 5 }), simulateUrpcTable("amd-2x2", { seed: 5 }));
});

test("machines that borrow a calibration report no paper values and grow with hops", () => {
  const table = simulateUrpcTable("mesh-16x16", { roundTrips: 64, streamMessages: 300 });
  assert.ok(table.paths.every((p) => p.paperLatencyCycles === undefined));
  const hops = table.paths.filter((p) => p.pathClass.startsWith("hop-"));
  for (let i = 1; i < hops.length; i++) assert.ok(hops[i]!.latencyCycles > hops[i - 1]!.latencyCycles);
});
