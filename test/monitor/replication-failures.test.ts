// Tests of the replicated object service when user code throws or replicas disagree, on the
// loopback platform: onApplied observers, `apply`, `validate`, the codec and `digest` throwing
// (Errors, non-Errors, values whose toString throws), on the home and on replicas, in both modes.
// The guarantees checked: every update settles (resolves or rejects with a clear error naming the
// core); an observer's throw is logged and the protocol goes on; replicas never stay out of step
// unnoticed: either they agree, or the object is declared failed on every replica and every later
// update rejects saying so. Then the error paths: busy and refusal replies from the home, codec
// failures, sequence exhaustion.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { updatesInFlightMax } from "../../src/limits.js";
import type { ReplicatedObject, ReplicatedObjectDefinition } from "../../src/monitor/replication.js";
import { ReplicationError, type ReplicationErrorCode } from "../../src/monitor/replication-error.js";
import { seqMax } from "../../src/monitor/replication-records.js";
import { boot, drain, type Machine, type Tracked, track } from "./replication-harness.js";

/** Values a careless or hostile callback throws: an Error, non-Errors, and ones String cannot write. */
const hostileToString = {
  toString() {
    throw new Error("toString refuses");
  },
};
const thrownValues: readonly unknown[] = [
  new Error("plain error"),
  "a string",
  undefined,
  42,
  hostileToString,
  Object.create(null),
  Symbol("sym"),
];

/** A counter; `apply` may be given per core (to make one replica misbehave). */
function counter(overrides: Partial<ReplicatedObjectDefinition<number, number>> = {}) {
  return { initial: 0, apply: (s: number, u: number) => s + u, ...overrides };
}

function createOnAll(
  machine: Machine,
  name: string,
  definitionOf: (core: number) => ReplicatedObjectDefinition<number, number>,
): ReplicatedObject<number, number>[] {
  return machine.modules.map((m, core) => m.create(name, definitionOf(core)));
}

/** Runs the machine until idle and checks every tracked update settled. */
async function settleAll(machine: Machine, tracked: readonly Tracked[]): Promise<void> {
  await drain(machine.platform);
  tracked.forEach((t, i) => {
    assert.ok(t.settled, `update ${i} settled`);
  });
}

function assertAgree(objects: readonly ReplicatedObject<number, number>[]): void {
  for (const object of objects) {
    assert.equal(object.failure, undefined, "the object is not failed");
    assert.equal(object.read(), objects[0]!.read(), "every replica holds the same state");
    assert.equal(object.appliedSeq, objects[0]!.appliedSeq, "every replica applied as many updates");
  }
}

function assertRejected(t: Tracked, code: ReplicationErrorCode, message: RegExp): ReplicationError {
  assert.ok(t.error instanceof ReplicationError, `a ReplicationError, not ${String(t.error)}`);
  assert.equal(t.error.code, code, t.error.message);
  assert.match(t.error.message, message);
  return t.error;
}

function logHas(machine: Machine, pattern: RegExp): boolean {
  return machine.platform.logLines.some((line) => pattern.test(line));
}

describe("replicated objects: observers that throw", () => {
  it("the issue's case: a home observer throws once; that update and the next reach every replica", async () => {
    const machine = boot(2, 1);
    const objects = createOnAll(machine, "wedge", () => counter());
    let thrown = false;
    objects[0]!.onApplied(() => {
      if (thrown) return;
      thrown = true;
      throw new Error("observer bug");
    });
    const first = track(objects[0]!.update(1, { mode: "one-phase" }));
    await settleAll(machine, [first]);
    const second = track(objects[1]!.update(2, { mode: "one-phase" }));
    await settleAll(machine, [second]);
    assert.equal(first.result?.seq, 1, String(first.error));
    assert.equal(second.result?.seq, 2, String(second.error));
    assertAgree(objects);
    assert.equal(objects[1]!.read(), 3);
    assert.ok(
      logHas(machine, /\[core 0\].*"wedge" update 1 .*observer threw \(the update stands\): observer bug/),
    );
  });

  for (const mode of ["one-phase", "two-phase"] as const) {
    it(`${mode}: an observer that throws on the home is logged; updates go out and replicas agree`, async () => {
      const machine = boot(3, 1);
      const objects = createOnAll(machine, "n", () => counter());
      let calls = 0;
      objects[0]!.onApplied(() => {
        throw thrownValues[calls++ % thrownValues.length];
      });
      const heard: number[] = [];
      objects[0]!.onApplied((seq) => heard.push(seq));
      const tracked: Tracked[] = [];
      // From the home itself and from a replica, several each, all throwing on the home.
      for (let i = 0; i < thrownValues.length; i++) {
        tracked.push(track(objects[i % 2]!.update(1, { mode })));
      }
      await settleAll(machine, tracked);
      for (const t of tracked) assert.equal(t.error, undefined, String(t.error));
      assertAgree(objects);
      assert.equal(objects[2]!.read(), thrownValues.length);
      assert.deepEqual(heard, [1, 2, 3, 4, 5, 6, 7], "the other observer heard every update");
      assert.equal(machine.modules[0]!.counters.observersFailed, thrownValues.length);
      assert.ok(
        logHas(
          machine,
          /\[core 0\].*an onApplied observer threw \(the update stands\): toString refuses|cannot be written as text/,
        ),
      );
      assert.ok(logHas(machine, /an onApplied observer threw \(the update stands\): plain error/));
    });

    it(`${mode}: an observer that throws on a replica: the update still settles`, async () => {
      const machine = boot(3, 2);
      const objects = createOnAll(machine, "n", () => counter());
      objects[2]!.onApplied(() => {
        throw hostileToString;
      });
      const tracked = [0, 1, 2, 0].map((core) => track(objects[core]!.update(2, { mode })));
      await settleAll(machine, tracked);
      for (const t of tracked) assert.equal(t.error, undefined, String(t.error));
      assertAgree(objects);
      assert.equal(objects[1]!.read(), 8);
      assert.ok(
        logHas(machine, /\[core 2\].*observer threw.*a thrown object that cannot be written as text/),
      );
    });
  }
});

describe("replicated objects: validate and apply that throw", () => {
  it("two-phase: validate throwing anything on a replica is a no vote naming it; nothing applied", async () => {
    const machine = boot(3, 3);
    let k = 0;
    const objects = createOnAll(machine, "v", (core) =>
      counter({
        validate: () => {
          if (core === 2) throw thrownValues[k++ % thrownValues.length];
          return undefined;
        },
      }),
    );
    const tracked = thrownValues.map((_, i) => track(objects[i % 3]!.update(1, { mode: "two-phase" })));
    await settleAll(machine, tracked);
    for (const t of tracked) {
      const error = assertRejected(t, "voted-no", /core 2 voted no: validate threw: /);
      assert.equal(error.core, 2);
    }
    assertAgree(objects);
    assert.equal(objects[0]!.read(), 0);
    assert.equal(objects[0]!.appliedSeq, 0);
  });

  it("two-phase: validate returning a value whose toString throws is a no vote", async () => {
    const machine = boot(2, 1);
    const objects = createOnAll(machine, "v", (core) =>
      counter({ validate: () => (core === 1 ? (hostileToString as unknown as string) : undefined) }),
    );
    const t = track(objects[0]!.update(1, { mode: "two-phase" }));
    await settleAll(machine, [t]);
    assertRejected(t, "voted-no", /core 1 voted no: .*cannot be written as text/);
    assertAgree(objects);
  });

  it("two-phase: apply throwing while staging on one replica aborts everywhere; the object stays usable", async () => {
    const machine = boot(4, 4);
    const objects = createOnAll(machine, "a", (core) =>
      counter({
        apply: (s, u) => {
          if (core === 3 && u === 13) throw hostileToString;
          return s + u;
        },
      }),
    );
    const bad = track(objects[1]!.update(13, { mode: "two-phase" }));
    await settleAll(machine, [bad]);
    assertRejected(bad, "voted-no", /core 3 voted no: apply \(staging\) threw: a thrown object/);
    const good = track(objects[3]!.update(1, { mode: "two-phase" }));
    await settleAll(machine, [good]);
    assert.equal(good.result?.seq, 1);
    assertAgree(objects);
  });

  it("one-phase: apply throwing on every replica alike rejects apply-failed; state unchanged, object usable", async () => {
    const machine = boot(3, 5);
    const objects = createOnAll(machine, "a", () =>
      counter({
        apply: (s, u) => {
          if (u < 0) throw "negative";
          return s + u;
        },
      }),
    );
    const tracked = [
      track(objects[2]!.update(5, { mode: "one-phase" })),
      track(objects[1]!.update(-1, { mode: "one-phase" })),
    ];
    await settleAll(machine, tracked);
    assert.equal(tracked[0]!.error, undefined);
    const error = assertRejected(
      tracked[1]!,
      "apply-failed",
      /apply failed on core 0 .*update 2 changed no replica.*: apply threw: negative/,
    );
    assert.equal(error.core, 0);
    assertAgree(objects);
    assert.equal(objects[1]!.read(), 5);
    assert.equal(objects[1]!.appliedSeq, 2, "the failed update kept its seq");
    const after = track(objects[1]!.update(1, { mode: "one-phase" }));
    await settleAll(machine, [after]);
    assert.equal(after.result?.seq, 3);
  });

  for (const throwsOn of [0, 2]) {
    it(`one-phase: apply throwing on core ${throwsOn} only: diverged, and the object is failed everywhere`, async () => {
      const machine = boot(4, 6);
      const objects = createOnAll(machine, "d", (core) =>
        counter({
          apply: (s, u) => {
            if (core === throwsOn && u === 7) throw new Error(`core ${core} cannot`);
            return s + u;
          },
        }),
      );
      const first = track(objects[3]!.update(1, { mode: "one-phase" }));
      await settleAll(machine, [first]);
      const bad = track(objects[1]!.update(7, { mode: "one-phase" }));
      await settleAll(machine, [bad]);
      const lowest = throwsOn === 0 ? 1 : throwsOn;
      const error = assertRejected(
        bad,
        "diverged",
        new RegExp(`replicas diverged at update 2, core ${lowest} differs from the home`),
      );
      assert.equal(error.core, lowest);
      for (const object of objects)
        assert.match(object.failure ?? "", /diverged from the home's at update 2/);
      for (const core of [0, 1, 2, 3]) {
        const later = track(objects[core]!.update(1, { mode: "two-phase" }));
        await settleAll(machine, [later]);
        assertRejected(later, "failed", /the object is failed: core \d's replica diverged/);
      }
      assert.ok(logHas(machine, /"d" is failed on core 3/));
    });
  }

  it("one-phase: an apply that differs without throwing is caught by the digests", async () => {
    const machine = boot(3, 7);
    const objects = createOnAll(machine, "x", (core) =>
      counter({ apply: (s, u) => s + u + (core === 2 ? 1 : 0) }),
    );
    const t = track(objects[0]!.update(1, { mode: "one-phase" }));
    await settleAll(machine, [t]);
    const error = assertRejected(
      t,
      "diverged",
      /core 2 differs from the home: its state's digest [0-9a-f]{8} differs from the home's/,
    );
    assert.equal(error.core, 2);
    for (const object of objects) assert.notEqual(object.failure, undefined);
  });

  it("two-phase: an apply that differs without throwing is a no vote at the prepare; the replicas stay equal", async () => {
    const machine = boot(3, 8);
    const objects = createOnAll(machine, "x", (core) =>
      counter({ apply: (s, u) => s + u + (core === 1 && u === 2 ? 1 : 0) }),
    );
    const bad = track(objects[2]!.update(2, { mode: "two-phase" }));
    const good = track(objects[2]!.update(3, { mode: "two-phase" }));
    await settleAll(machine, [bad, good]);
    assertRejected(
      bad,
      "voted-no",
      /core 1 voted no: its state after the update would differ from the home's/,
    );
    assert.equal(good.result?.seq, 1);
    assertAgree(objects);
    assert.equal(objects[0]!.read(), 3);
  });

  it("updates in flight when the object fails are all answered", async () => {
    const machine = boot(3, 9);
    const objects = createOnAll(machine, "f", (core) =>
      counter({ apply: (s, u) => s + u + (core === 1 && u === 3 ? 1 : 0) }),
    );
    const tracked = [1, 2, 3, 4, 5, 6].map((u) =>
      track(objects[u % 3]!.update(u, { mode: u % 2 === 0 ? "two-phase" : "one-phase" })),
    );
    await settleAll(machine, tracked);
    assert.ok(tracked.some((t) => t.error instanceof ReplicationError && t.error.code === "diverged"));
    for (const object of objects) assert.notEqual(object.failure, undefined);
  });
});

describe("replicated objects: digests", () => {
  it("a definition's digest is used; digest: false turns the check off", async () => {
    const machine = boot(2, 1);
    // Replicas that differ only in what the digest ignores agree; `false` checks nothing.
    const a = createOnAll(machine, "custom", (core) =>
      counter({ apply: (s, u) => s + u + core / 10, digest: (s) => String(Math.floor(s)) }),
    );
    const b = createOnAll(machine, "off", (core) =>
      counter({ apply: (s, u) => s + u + core, digest: false }),
    );
    const tracked = [
      track(a[1]!.update(1, { mode: "one-phase" })),
      track(b[1]!.update(1, { mode: "one-phase" })),
    ];
    await settleAll(machine, tracked);
    for (const t of tracked) assert.equal(t.error, undefined, String(t.error));
    assert.notEqual(b[0]!.read(), b[1]!.read(), "unchecked, as asked");
  });

  it("a digest that throws is logged once and checks nothing more on that core; updates settle", async () => {
    const machine = boot(2, 2);
    const objects = createOnAll(machine, "d", (core) =>
      counter({
        digest: (s) => {
          if (core === 1) throw hostileToString;
          return String(s);
        },
      }),
    );
    const tracked = [1, 2, 3].map((u) =>
      track(objects[u % 2]!.update(u, { mode: u === 2 ? "two-phase" : "one-phase" })),
    );
    await settleAll(machine, tracked);
    for (const t of tracked) assert.equal(t.error, undefined, String(t.error));
    assertAgree(objects);
    const lines = machine.platform.logLines.filter((l) => /the state's digest failed/.test(l));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /\[core 1\].*cannot be written as text/);
  });

  it("a digest that is neither a function nor false is refused at create", () => {
    const machine = boot(1, 1);
    assert.throws(
      () => machine.modules[0]!.create("z", { ...counter(), digest: 3 as unknown as false }),
      /digest is neither a function nor false/,
    );
  });
});

describe("replicated objects: error paths", () => {
  it("codec failures: encode throwing anything, or not a string, is bad-update; nothing is sent", async () => {
    const machine = boot(2, 1);
    const objects = createOnAll(machine, "c", () =>
      counter({
        codec: {
          encode: (u) => {
            if (u === 1) throw hostileToString;
            if (u === 2) return 2 as unknown as string;
            return String(u);
          },
          decode: Number,
        },
      }),
    );
    for (const [u, message] of [
      [1, /cannot encode it: a thrown object that cannot be written as text/],
      [2, /encoded it as number, not a string/],
    ] as const) {
      const t = track(objects[1]!.update(u, { mode: "one-phase" }));
      await settleAll(machine, [t]);
      assertRejected(t, "bad-update", message);
    }
    assert.equal(machine.platform.queuedCount(), 0);
  });

  it("codec failures: the home cannot decode → bad-update (one-phase) or voted-no (two-phase); nothing applied", async () => {
    const machine = boot(3, 2);
    const objects = createOnAll(machine, "c", () =>
      counter({
        codec: {
          encode: String,
          decode: (text) => {
            if (text === "9") throw "nine is not a number here";
            return Number(text);
          },
        },
      }),
    );
    const one = track(objects[2]!.update(9, { mode: "one-phase" }));
    const two = track(objects[1]!.update(9, { mode: "two-phase" }));
    const fine = track(objects[1]!.update(4, { mode: "one-phase" }));
    await settleAll(machine, [one, two, fine]);
    assertRejected(one, "bad-update", /its home, core 0, cannot decode it: nine is not a number here/);
    assertRejected(two, "voted-no", /core 0 voted no: the codec's decode threw: nine is not a number here/);
    assert.equal(fine.result?.seq, 1, "a refused update takes no seq");
    assertAgree(objects);
    assert.equal(objects[2]!.read(), 4);
  });

  it("codec failures: a replica that cannot decode what the home did: diverged, failed everywhere", async () => {
    const machine = boot(3, 3);
    const objects = createOnAll(machine, "c", (core) =>
      counter({
        codec: {
          encode: String,
          decode: (text) => {
            if (core === 2) throw new Error("core 2's codec is broken");
            return Number(text);
          },
        },
      }),
    );
    const t = track(objects[1]!.update(1, { mode: "one-phase" }));
    await settleAll(machine, [t]);
    assertRejected(
      t,
      "diverged",
      /core 2 differs from the home: there the codec's decode threw: core 2's codec is broken/,
    );
    for (const object of objects) assert.notEqual(object.failure, undefined);
    assert.equal(objects[2]!.appliedSeq, 1, "the update kept its place on the replica");
  });

  it("busy replies: past updatesInFlightMax updates of one object at its home", async () => {
    const machine = boot(3, 4);
    // Core 2 creates the object late, so no update completes and the home's operations pile up.
    const early = [0, 1].map((core) => machine.modules[core]!.create("b", counter()));
    const fromHome = Array.from({ length: 200 }, () => track(early[0]!.update(1, { mode: "one-phase" })));
    const fromOne = Array.from({ length: 100 }, () => track(early[1]!.update(1, { mode: "one-phase" })));
    await drain(machine.platform);
    const busy = fromOne.filter((t) => t.settled);
    assert.equal(busy.length, 200 + 100 - updatesInFlightMax);
    for (const t of busy)
      assertRejected(
        t,
        "busy",
        new RegExp(`its home, core 0, already holds updatesInFlightMax \\(${updatesInFlightMax}\\)`),
      );
    const late = machine.modules[2]!.create("b", counter());
    await settleAll(machine, [...fromHome, ...fromOne]);
    for (const t of [...fromHome, ...fromOne]) if (!busy.includes(t)) assert.equal(t.error, undefined);
    assertAgree([...early, late]);
    assert.equal(late.read(), updatesInFlightMax);
  });

  it("refusal replies: a requester the home does not count as a replica, a core that is not the home", async () => {
    const machine = boot(3, 5);
    const m = machine.modules;
    // The cores disagree on the object's cores: core 0 thinks it spans 0 and 2 only.
    m[0]!.create("r", counter({ cores: [0, 2] }));
    const one = m[1]!.create("r", counter({ cores: [0, 1] }));
    // Core 2 thinks core 1 is the home of "s"; core 1 thinks core 0 is.
    m[1]!.create("s", counter({ cores: [0, 1, 2] }));
    const two = m[2]!.create("s", counter({ cores: [1, 2] }));
    const tracked = [
      track(one.update(1, { mode: "one-phase" })),
      track(two.update(1, { mode: "two-phase" })),
    ];
    await settleAll(machine, tracked);
    assertRejected(tracked[0]!, "refused", /core 1 holds no replica of "r"/);
    assertRejected(tracked[1]!, "refused", /core 1 is not the home of "s" \(core 0 is\)/);
  });

  it("sequence exhaustion: the update past seqMax is refused, nothing is sent", async () => {
    const machine = boot(2, 6);
    const objects = createOnAll(machine, "e", () => counter());
    // The home's sequencer, as it would stand after seqMax updates (4 billion are too many to run).
    const records = (machine.modules[0] as unknown as { objects: Map<string, { sequenced: number }> })
      .objects;
    records.get("e")!.sequenced = seqMax;
    const tracked = [
      track(objects[1]!.update(1, { mode: "one-phase" })),
      track(objects[0]!.update(1, { mode: "two-phase" })),
    ];
    await settleAll(machine, tracked);
    for (const t of tracked)
      assertRejected(t, "refused", new RegExp(`"e" has used up its ${seqMax} sequence numbers`));
    assert.equal(objects[1]!.read(), 0);
    assert.equal(machine.modules[0]!.counters.appliesSent + machine.modules[0]!.counters.preparesSent, 0);
  });
});
