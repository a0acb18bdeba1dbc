// The counter domain on a simulated machine (AMD's 4×4-core Opteron), in virtual time: the same
// code `npm start` runs on real cores. Run by `npm test`
// (node --import multikernel/register --test test/counter.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { simulate } from "multikernel/sim";
import type { CounterResult } from "../src/counter.js";

const program = new URL("../src/counter.ts", import.meta.url);

test("every client adds its step and the server ends with the total", async () => {
  const step = 5;
  const { exits, violations } = await simulate(program, { machine: "amd-4x4", cores: 4, args: [step] });
  assert.deepEqual(violations, []);
  assert.deepEqual(
    exits.map(({ core, status }) => ({ core, status })),
    [0, 1, 2, 3].map((core) => ({ core, status: 0 })),
  );
  const [server, ...clients] = exits.map((exit) => exit.value as CounterResult);
  assert.deepEqual(server, { role: "server", total: 3 * step });
  // Each client saw the total right after its own add: the adds arrived one at a time.
  const totals = clients.map((client) => client.total).sort((a, b) => a - b);
  assert.deepEqual(totals, [step, 2 * step, 3 * step]);
});

test("a step that is not a whole number fails every core that reads it", async () => {
  const { exits, violations } = await simulate(program, { cores: 2, args: ["two"] });
  assert.equal(exits.length, 2);
  for (const exit of exits) {
    assert.equal(exit.status, 1);
    assert.match(exit.error, /step must be a whole number, got two/);
  }
  assert.equal(violations.length, 2);
});
