// Tests of the simulator's small parts on their own: the PRNG, the event queue, the FIFO, the
// fault list's validation, the channel checker, the line-tracking JSON parser.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { ChannelChecker } from "../../src/platform/sim/checkers.js";
import { EventQueue } from "../../src/platform/sim/event-queue.js";
import { planFaults } from "../../src/platform/sim/faults.js";
import { Fifo } from "../../src/platform/sim/fifo.js";
import { parseJsonWithLines } from "../../src/platform/sim/json-lines.js";
import { Prng } from "../../src/platform/sim/prng.js";

test("the PRNG replays from its seed, and seeds and forks differ", () => {
  const draw = (p: Prng): number[] => Array.from({ length: 8 }, () => p.nextUint32());
  assert.deepEqual(draw(new Prng(7)), draw(new Prng(7)));
  assert.notDeepEqual(draw(new Prng(7)), draw(new Prng(8)));
  assert.notDeepEqual(draw(new Prng(7).fork(1)), draw(new Prng(7).fork(2)));
  const p = new Prng(1);
  for (let i = 0; i < 1000; i++) {
    const x = p.next();
    assert.ok(x >= 0 && x < 1);
  }
  assert.throws(() => new Prng(Number.NaN), /seed/);
});

test("the event queue pops in (time, tie) order", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3 })), { maxLength: 300 }),
      (items) => {
        const q = new EventQueue();
        items.forEach(([t, tie], i) => {
          q.push(t, tie, 0, i);
        });
        const out: [number, number, number][] = [];
        while (q.pop())
          out.push([q.poppedTimeCycles, items[q.poppedTarget as number]![1], q.poppedTarget as number]);
        const expected = items.map(([t, tie], i) => [t, tie, i] as [number, number, number]);
        expected.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
        assert.deepEqual(out, expected);
      },
    ),
  );
});

test("the FIFO keeps order across growth", () => {
  const f = new Fifo<number>();
  let next = 0;
  let expect = 0;
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < round; i++) f.push(next++);
    for (let i = 0; i < round / 2; i++) assert.equal(f.shift(), expect++);
  }
  while (f.length > 0) assert.equal(f.shift(), expect++);
  assert.equal(f.shift(), undefined);
});

test("faults are validated, naming the entry and field", () => {
  assert.throws(() => planFaults([{ kind: "delay", probability: 2 }], 4), /faults\[0\]\.probability/);
  assert.throws(
    () => planFaults([{ kind: "stall", core: 1, fromCycles: 10, toCycles: 5 }], 4),
    /faults\[0\]\.toCycles/,
  );
  assert.throws(
    () =>
      planFaults(
        [
          { kind: "crash", core: 1, atCycles: 1 },
          { kind: "crash", core: 1, atCycles: 2 },
        ],
        4,
      ),
    /faults\[1\]\.core: core 1 already crashes/,
  );
  assert.throws(() => planFaults([{ kind: "bogus" } as never], 4), /faults\[0\]\.kind/);
  const plan = planFaults(
    [
      { kind: "delay", probability: 0.5 },
      { kind: "slow", core: 2 },
    ],
    4,
  );
  assert.equal(plan.delays[0]!.extraCycles, 10_000);
  assert.equal(plan.slow[0]!.factor, 4);
});

test("the channel checker reports reordering, duplication and loss", () => {
  const c = new ChannelChecker(false);
  c.sent("a", 1);
  c.sent("a", 2);
  c.sent("a", 3);
  c.delivered("a", 2);
  c.delivered("a", 2);
  const violations = c.finish(false);
  assert.deepEqual(
    violations.map((v) => v.kind),
    ["reorder", "duplicate", "loss"],
  );
  assert.match(c.report(), /reorder on a: message 2/);
  assert.throws(() => {
    const strict = new ChannelChecker(true);
    strict.sent("b", 1);
    strict.delivered("b", 9);
  }, /duplicate on b/);
});

test("the JSON parser gives the values of JSON.parse and each field's line", () => {
  const text = '{\n  "a": 1,\n  "b": [\n    {"c": true},\n    null\n  ],\n  "d": "x\\"y"\n}';
  const { value, lines } = parseJsonWithLines(text);
  assert.deepEqual(value, JSON.parse(text));
  assert.equal(lines.get("a"), 2);
  assert.equal(lines.get("b[0].c"), 4);
  assert.equal(lines.get("b[1]"), 5);
  assert.throws(() => parseJsonWithLines('{"a": 1,\n "a": 2}'), /line 2.*duplicate key "a"/);
  assert.throws(() => parseJsonWithLines("[1, 2"), /line 1/);
});
