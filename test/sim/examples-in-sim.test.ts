// The examples, written for the real platform, run unchanged in the simulator: the same modules'
// `main`, with time, randomness and channels from the simulated machine, and the same exit statuses.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { main as kvStoreMain } from "../../examples/kv-store.js";
import { main as pingPongMain } from "../../examples/ping-pong.js";
import { runScenario } from "../../src/platform/sim/index.js";
import { programScenario } from "../../src/platform/sim/scenarios/program.js";

describe("the examples run unchanged on a simulated machine", () => {
  it("ping-pong between two packages of amd-4x4", async () => {
    const result = await runScenario(
      programScenario({ program: "examples/ping-pong", main: pingPongMain, cores: [0, 5] }),
      { machine: "amd-4x4", seed: 3, cores: [0, 5] },
    );
    assert.deepEqual(result.violations, []);
    assert.equal(result.completed, true);
    assert.deepEqual(result.results.statuses, [0, 0]);
  });

  it("the sharded kv store with its replicated configuration, on 4 cores, reproducibly", async () => {
    const runOnce = async () => {
      const lines: string[] = [];
      const result = await runScenario(
        programScenario({
          program: "examples/kv-store",
          main: kvStoreMain,
          cores: [0, 1, 2, 3],
          args: ["0"],
        }),
        { machine: "amd-4x4", seed: 9, cores: [0, 1, 2, 3], log: (line) => lines.push(line) },
      );
      return { result, lines };
    };
    const first = await runOnce();
    assert.deepEqual(first.result.violations, []);
    assert.deepEqual(first.result.results.statuses, [0, 0, 0, 0]);
    assert.ok(
      first.lines.some((line) => line.includes("refused, applied nowhere")),
      "the two-phase veto happened",
    );
    const second = await runOnce();
    assert.deepEqual(second.lines, first.lines, "same seed, same run");
  });
});
