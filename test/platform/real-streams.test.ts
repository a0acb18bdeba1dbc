// Streams of one-way messages on the real platform: a stream paced with the binding's drained()
// delivers every message, in order, however long it is; one that is not paced is refused once
// limits.portBacklogMax messages wait for room, with an error naming the method and drained().
// The test domains live in ./domains (streams-paced.ts, streams-unpaced.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { limits } from "../../src/index.js";
import { domain, exitOf, useBootedSystem } from "./booted-system.js";

/** Bound on one test: one domain on a booted system. */
const streamTestTimeoutMs = 60_000;
/** Bound on one domain's run, well inside the test's. */
const runTimeoutMs = 45_000;

describe("real platform: streams of one-way messages", () => {
  const booted = useBootedSystem();

  it("a stream paced with drained() delivers every message, in order", {
    timeout: streamTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("streams-paced"), [0, 1], runTimeoutMs);
    assert.deepEqual(result.exits, [
      { core: 0, status: 0, error: "" },
      { core: 1, status: 0, error: "" },
    ]);
  });

  it("a stream that is not paced is refused, naming the method and drained()", {
    timeout: streamTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("streams-unpaced"), [0, 1], runTimeoutMs);
    assert.equal(result.status, 1);
    assert.deepEqual(exitOf(result, 0), { core: 0, status: 0, error: "" });
    const client = exitOf(result, 1);
    assert.equal(client.status, 1);
    assert.match(
      client.error,
      new RegExp(
        `^test_note_sink\\.note: ${limits.portBacklogMax} messages already wait for room on "channel \\d+ 1->0" \\(limits\\.portBacklogMax\\); await drained\\(\\) on the binding before sending more`,
      ),
    );
  });
});
