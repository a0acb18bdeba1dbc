// The loopback platform's drain of a dispatcher channel (PortDrain): modelled on a ring of
// slotsPerRing slots, so a message waits while slotsPerRing messages queued before it are
// undelivered, and whenDrained calls back once what waited when asked is delivered far enough; and
// a paced stream (test/platform/domains/streams-paced.ts) runs to the end through a domain's
// binding on it, every message in order, while an unpaced one (streams-unpaced.ts) is refused as on
// real cores, past limits.portBacklogMax messages waiting.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { portBacklogMax, slotsPerRing } from "../../src/limits.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";
import { boot, settle, spawn } from "../domain/harness.js";
import { main as pacedStream } from "./domains/streams-paced.js";
import { main as unpacedStream } from "./domains/streams-unpaced.js";

/** Steps any test here may take: far more than a few hundred deliveries. */
const stepsMax = 10_000;

function openPair() {
  const platform = new LoopbackPlatform([0, 1], { seed: 3 });
  platform.add(0, () => ({ start() {}, receive() {} }));
  platform.add(1, () => ({ start() {}, receive() {} }));
  platform.start();
  const id = platform.env(0).allocateChannelId();
  const seen: number[] = [];
  const client = platform.env(0).openChannel(id, 0, 1, () => {});
  platform.env(1).openChannel(id, 1, 0, (_type, bytes) => seen.push(bytes[0]!));
  return { platform, client, seen };
}

describe("loopback platform: a dispatcher channel's drain", () => {
  it("counts what waits beyond a ring's worth and calls back once that is delivered", () => {
    const { platform, client, seen } = openPair();
    const drain = client.drain!;
    const message = new Uint8Array(1);
    client.send(1, message, 1);
    assert.equal(drain.messagesWaiting(), 0);
    let called = 0;
    drain.whenDrained(() => called++);
    assert.equal(called, 1, "nothing waited: called at once");
    for (let i = 1; i < slotsPerRing + 5; i++) client.send(1, message, 1);
    assert.equal(drain.messagesWaiting(), 5);
    drain.whenDrained(() => called++);
    client.send(1, message, 1);
    platform.runUntil(() => called === 2, { maxSteps: stepsMax });
    assert.equal(seen.length, 5, "called back once the first five were delivered");
    assert.equal(drain.messagesWaiting(), 1, "the one sent after it did not hold it back");
    platform.runUntilIdle({ maxSteps: stepsMax });
    assert.equal(drain.messagesWaiting(), 0);
  });

  it("runs a stream paced with drained() through a binding, every message in order", async () => {
    const machine = boot(2);
    const domain = spawn(machine, 1, [0, 1], pacedStream);
    assert.deepEqual(await settle(machine.platform, domain.exits), [0, 0]);
    assert.ok(
      machine.platform.logLines.some((line) => line.includes("paced stream: all 20000 notes arrived")),
    );
  });

  it("refuses a send past portBacklogMax waiting, as real cores do, naming the method and drained()", async () => {
    const machine = boot(2);
    const domain = spawn(machine, 1, [0, 1], unpacedStream, { expectFailure: true });
    assert.deepEqual(await settle(machine.platform, domain.exits), [0, 1]);
    assert.ok(
      machine.platform.logLines.some((line) =>
        line.includes(`test_note_sink.note: ${portBacklogMax} messages already wait for room on "channel`),
      ),
      machine.platform.logLines.join("\n"),
    );
  });
});
