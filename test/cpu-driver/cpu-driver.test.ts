// Tests of the CPU driver's decision (src/cpu-driver/cpu-driver.ts) in virtual time: a core with a
// call in flight keeps polling through its in-flight window, one with nothing to do sleeps after
// its idle window, a busy core gives the event loop its turns, and the counters say what happened.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type CoreMachine,
  CoreStep,
  CpuDriver,
  type CpuDriverPolicy,
} from "../../src/cpu-driver/cpu-driver.js";

const policy: CpuDriverPolicy = {
  idlePollNs: 50_000,
  inFlightPollNs: 20_000_000,
  eventLoopYieldNs: 1_000_000,
};

describe("cpu driver: when a core polls, yields or sleeps", () => {
  it("keeps polling while a call is in flight, until the in-flight window passes", () => {
    const driver = new CpuDriver(policy, 0);
    driver.active(0);
    driver.callsInFlight = 1;
    for (const t of [1, 49_999, 50_000, 999_999, 19_999_999])
      assert.notEqual(driver.idle(t), CoreStep.Sleep, `at ${t} ns`);
    assert.equal(driver.idle(20_000_000), CoreStep.Sleep);
  });

  it("sleeps after the idle window when nothing is in flight", () => {
    const driver = new CpuDriver(policy, 0);
    driver.active(1_000);
    assert.equal(driver.idle(1_000 + 49_999), CoreStep.Poll);
    assert.equal(driver.idle(1_000 + 50_000), CoreStep.Sleep);
    driver.slept();
    assert.equal(driver.sleeps, 1);
    assert.equal(driver.sleepsWithCallsInFlight, 0);
    // Waking does not reopen the window: without a message the core goes back to sleep.
    assert.equal(driver.idle(1_000 + 60_000), CoreStep.Sleep);
  });

  it("counts a sleep taken with calls in flight (only past the window)", () => {
    const driver = new CpuDriver(policy, 0);
    driver.callsInFlight = 3;
    assert.equal(driver.idle(policy.inFlightPollNs), CoreStep.Sleep);
    driver.slept();
    assert.equal(driver.sleepsWithCallsInFlight, 1);
  });

  it("gives the event loop a turn every eventLoopYieldNs while polling", () => {
    const driver = new CpuDriver(policy, 0);
    driver.callsInFlight = 1;
    assert.equal(driver.idle(999_999), CoreStep.Poll);
    assert.equal(driver.idle(1_000_000), CoreStep.YieldToEventLoop);
    assert.equal(driver.yieldDue(1_000_000), true);
    driver.yielded(1_000_000);
    assert.equal(driver.eventLoopYields, 1);
    assert.equal(driver.idle(1_500_000), CoreStep.Poll);
    assert.equal(driver.yieldDue(2_000_000), true);
  });

  it("refuses a policy with a negative or non-finite bound, naming it", () => {
    assert.throws(() => new CpuDriver({ ...policy, idlePollNs: -1 }, 0), /policy idlePollNs = -1/);
    assert.throws(
      () => new CpuDriver({ ...policy, inFlightPollNs: Number.NaN }, 0),
      /policy inFlightPollNs = NaN/,
    );
    assert.throws(
      () => new CpuDriver({ ...policy, idlePolNs: 5 } as unknown as CpuDriverPolicy, 0),
      /policy has no bound idlePolNs/,
    );
  });

  it("never sleeps inside the window that applies, whatever the history (fast-check)", () => {
    const event = fc.oneof(
      fc.record({ kind: fc.constant("active" as const), dt: fc.nat(100_000_000) }),
      fc.record({ kind: fc.constant("calls" as const), n: fc.nat(4) }),
      fc.record({ kind: fc.constant("idle" as const), dt: fc.nat(30_000_000) }),
    );
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        const driver = new CpuDriver(policy, 0);
        let now = 0;
        let lastActive = 0;
        for (const e of events) {
          if (e.kind === "calls") {
            driver.callsInFlight = e.n;
            continue;
          }
          now += e.dt;
          if (e.kind === "active") {
            driver.active(now);
            lastActive = now;
            continue;
          }
          const step = driver.idle(now);
          const window = driver.callsInFlight > 0 ? policy.inFlightPollNs : policy.idlePollNs;
          assert.equal(step === CoreStep.Sleep, now - lastActive >= window);
          if (step === CoreStep.Sleep) driver.slept();
          if (step === CoreStep.YieldToEventLoop) driver.yielded(now);
        }
      }),
    );
  });
});

/**
 * A core in virtual time for the driver's loop: each poll advances the clock by `pollNs`; messages
 * arrive at the given times; a sleep jumps to the next arrival (a ring) or by a slice; the core
 * stops at `endNs`. It records what the loop did.
 */
class VirtualCore implements CoreMachine {
  nowNsValue = 0;
  running = true;
  readonly log: string[] = [];
  sleeps = 0;
  yields = 0;
  continuations = 0;
  /** Called for each message delivered (a reply settles a call). */
  onDeliver = () => {};
  constructor(
    private readonly arrivalsNs: number[],
    private readonly endNs: number,
    private readonly pollNs = 100,
    private readonly sliceNs = 50_000_000,
  ) {}
  pollChannels(): number {
    this.nowNsValue += this.pollNs;
    if (this.nowNsValue >= this.endNs) this.running = false;
    let delivered = 0;
    while (this.arrivalsNs.length > 0 && this.arrivalsNs[0]! <= this.nowNsValue) {
      this.arrivalsNs.shift();
      this.onDeliver();
      delivered++;
    }
    return delivered;
  }
  hasUnpublished(): boolean {
    return false;
  }
  publish(): void {}
  continuationsBegin(): void {
    this.continuations++;
  }
  continuationsEnd(): void {}
  nowNs(): number {
    return this.nowNsValue;
  }
  fireTimers(): number {
    return 0;
  }
  runDeferred(): number {
    return 0;
  }
  sleep(nowNs: number): boolean {
    this.sleeps++;
    this.log.push(`sleep at ${nowNs}`);
    this.nowNsValue = Math.min(
      this.arrivalsNs[0] ?? Number.POSITIVE_INFINITY,
      nowNs + this.sliceNs,
      this.endNs,
    );
    return true;
  }
  async yieldToEventLoop(): Promise<void> {
    this.yields++;
    this.controlPending = false;
  }
  /** A control message waits on the event loop (set by a test). */
  controlPending = false;
  eventLoopWanted(): boolean {
    return this.controlPending;
  }
}

describe("cpu driver: the loop over a core in virtual time", () => {
  it("polls through a call's wait, sleeps once idle, and stops when told", async () => {
    // A call goes out at 0; its reply comes at 5 ms (inside the 20 ms window); then nothing.
    const core = new VirtualCore([5_000_000], 200_000_000);
    const driver = new CpuDriver(policy, 0);
    driver.callsInFlight = 1;
    core.onDeliver = () => {
      driver.callsInFlight = 0;
    };
    await driver.run(core);
    const [first] = core.log;
    assert.ok(
      first !== undefined && Number(first.split(" ").at(-1)) > 5_000_000,
      `slept before the reply: ${first}`,
    );
    assert.equal(driver.sleepsWithCallsInFlight, 0, core.log.join("\n"));
    assert.ok(core.continuations >= 1);
    assert.ok(core.yields >= 4, "the event loop had a turn every millisecond of polling");
  });

  it("an idle core sleeps soon after its last message, and again after each empty wake-up", async () => {
    const core = new VirtualCore([1_000], 120_000_000);
    const driver = new CpuDriver(policy, 0);
    await driver.run(core);
    const [first] = core.log;
    assert.ok(first !== undefined, "it never slept");
    const at = Number(first.split(" ").at(-1));
    assert.ok(at >= 1_000 + policy.idlePollNs && at < 1_000 + policy.idlePollNs + 10_000, first);
    assert.equal(driver.sleeps, core.sleeps);
    assert.ok(driver.sleeps >= 2, "woken by its slice with nothing to do, it slept again");
  });
});

describe("cpu driver: a control message gets its event-loop turn at once", () => {
  /** The ns at which the loop first yielded after a control message was posted at `postedNs`. */
  async function yieldAfterControl(arrivalsNs: number[], postedNs: number): Promise<number> {
    const core = new VirtualCore(arrivalsNs, 30_000_000);
    const driver = new CpuDriver({ ...policy, eventLoopYieldNs: 10_000_000 }, 0);
    driver.callsInFlight = 1;
    let yieldedNs = -1;
    const originalPoll = core.pollChannels.bind(core);
    core.pollChannels = () => {
      if (core.nowNsValue >= postedNs && yieldedNs < 0 && !core.controlPending) core.controlPending = true;
      return originalPoll();
    };
    core.yieldToEventLoop = async () => {
      if (core.controlPending && yieldedNs < 0) yieldedNs = core.nowNsValue;
      core.controlPending = false;
      core.yields++;
    };
    await driver.run(core);
    return yieldedNs;
  }

  it("a busy core yields within a clock read of a control message, not at eventLoopYieldNs", async () => {
    // A message every 200 ns for 20 ms: the core is busy throughout.
    const arrivals = Array.from({ length: 100_000 }, (_, i) => (i + 1) * 200);
    const yieldedNs = await yieldAfterControl(arrivals, 1_000_000);
    assert.ok(yieldedNs >= 1_000_000, `yielded at ${yieldedNs} ns`);
    assert.ok(yieldedNs < 1_100_000, `a busy core yielded for its control message only at ${yieldedNs} ns`);
  });

  it("a polling core with nothing delivered yields within a clock read of a control message", async () => {
    const yieldedNs = await yieldAfterControl([], 1_000_000);
    assert.ok(yieldedNs >= 1_000_000 && yieldedNs < 1_100_000, `yielded at ${yieldedNs} ns`);
  });
});

describe("cpu driver: promise continuations never wait out a sleep", () => {
  it("a continuation chain many awaits deep finishes while the core polls, before it sleeps", async () => {
    const depth = 50;
    let finishedAt = -1;
    const core = new VirtualCore([], 100_000_000);
    const originalSleep = core.sleep.bind(core);
    let chainDoneAtFirstSleep: boolean | undefined;
    core.sleep = (nowNs: number) => {
      chainDoneAtFirstSleep ??= finishedAt >= 0;
      return originalSleep(nowNs);
    };
    const chain = async (left: number): Promise<void> => {
      if (left > 0) return chain(left - 1);
      await undefined;
      finishedAt = core.nowNsValue;
    };
    const driver = new CpuDriver(policy, 0);
    void chain(depth);
    await driver.run(core);
    assert.equal(chainDoneAtFirstSleep, true, "the core slept with a continuation still queued");
    assert.ok(finishedAt >= 0 && finishedAt < policy.idlePollNs, `the chain finished at ${finishedAt} ns`);
  });
});

describe("cpu driver: what may and may not keep a core from sleeping", () => {
  it("a backlog waiting for credit does not keep an idle core awake (its sleep asks for a ring)", async () => {
    const core = new VirtualCore([], 100_000_000);
    let publishes = 0;
    core.hasUnpublished = () => true;
    core.publish = () => {
      publishes++;
    };
    const driver = new CpuDriver(policy, 0);
    await driver.run(core);
    assert.ok(core.sleeps > 0, "a core with a backlog and nothing else to do never slept");
    assert.ok(publishes > 0, "the backlog was offered to the rings while polling");
  });

  it("a core told to stop during the turn before a sleep does not sleep", async () => {
    const core = new VirtualCore([], 100_000_000);
    core.yieldToEventLoop = async () => {
      core.yields++;
      core.running = false;
    };
    const driver = new CpuDriver(policy, 0);
    await driver.run(core);
    assert.equal(core.sleeps, 0, core.log.join("\n"));
    assert.equal(core.yields, 1);
  });
});
