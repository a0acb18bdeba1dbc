// Streams of one-way messages on the simulator, with the real platform's test domains
// (test/platform/domains/streams-*.ts): a dispatcher channel there is bounded as a real port is
// (limits.portBacklogMax messages waiting for room beyond the ring), so `simulate` refuses the
// unpaced burst that real cores refuse, with the same error, and runs the stream paced with
// drained() to the end, every message in order.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { limits } from "../../src/index.js";
import { simulate } from "../../src/sim-api.js";

function streamDomain(name: string): URL {
  return new URL(`../platform/domains/${name}.js`, import.meta.url);
}

describe("simulator: streams of one-way messages, bounded as on real cores", () => {
  it("refuses a burst that is not paced, naming the method and drained()", async () => {
    const result = await simulate(streamDomain("streams-unpaced"), { machine: "amd-2x2", cores: 2 });
    assert.deepEqual(result.exits[0], { core: 0, status: 0, error: "" });
    const client = result.exits[1]!;
    assert.equal(client.status, 1, JSON.stringify(result.exits));
    assert.match(
      client.error,
      new RegExp(
        `^test_note_sink\\.note: ${limits.portBacklogMax} messages already wait for room on "channel \\d+ 1->0" \\(limits\\.portBacklogMax\\); await drained\\(\\) on the binding before sending more`,
      ),
    );
  });

  it("runs a stream paced with drained() to the end, every message in order", async () => {
    const result = await simulate(streamDomain("streams-paced"), { machine: "amd-2x2", cores: 2 });
    assert.deepEqual(result.violations, []);
    assert.deepEqual(
      result.exits.map(({ core, status, error }) => ({ core, status, error })),
      [
        { core: 0, status: 0, error: "" },
        { core: 1, status: 0, error: "" },
      ],
    );
    assert.ok(result.log.some((line) => line.includes("paced stream: all 20000 notes arrived, in order")));
  });
});
