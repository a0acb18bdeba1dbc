// Tests that the simulator's check can fail: a crash never excuses a stall (a planted one is
// reported, while the shootdown, pingpong and replicated protocols finish every live core's
// requests); the random seeds with crashes each complete every request or
// report a violation; a domain program's failing main fails the run; and simulated code cannot end
// the simulator through process.exit or host timers, nor hang it with a busy loop.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DomainMain } from "../../src/domain/domain-context.js";
import { checkCaseOf, runCheckCase } from "../../src/platform/sim/check-run.js";
import { makeScenario, runScenario, type Scenario } from "../../src/platform/sim/scenarios/index.js";
import { programScenario } from "../../src/platform/sim/scenarios/program.js";
import { runHostedOn2x2 } from "./hosted-run.js";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const cliMain = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
const programFile = (name: string): string =>
  fileURLToPath(new URL(`./programs/${name}.js`, import.meta.url));
/** Bound on each CLI run of these tests (a bound, not an expectation). */
const cliTimeoutMs = 60_000;

/**
 * A planted protocol: core 0 waits for core 1, which crashes. With `givesUp`, core 0 ends its wait
 * when its failure detector declares core 1 failed (the request fails, naming the peer); without,
 * it waits for ever: the stall the runner must report.
 */
function waiterScenario(givesUp: boolean): Scenario {
  let ended = false;
  return {
    name: "waiter",
    install() {},
    done: (excused) => ended || excused.has(0),
    peerFailed(by, failed) {
      if (givesUp && by === 0 && failed === 1) ended = true;
    },
    report: () => ({ lines: [], results: {}, violations: [] }),
  };
}

describe("sim: a crash never excuses a stall", () => {
  const crashOne = [{ kind: "crash", core: 1, atCycles: 1_000 }] as const;

  it("a planted stall after a detected crash is reported", async () => {
    const r = await runScenario(waiterScenario(false), { machine: "amd-2x2", seed: 1, faults: crashOne });
    assert.equal(r.completed, false);
    assert.ok(
      r.violations.some((v) => /^stall: requests of live cores never completed .* crash of core 1/.test(v)),
      r.violations.join("; "),
    );
  });

  it("the same protocol, failing its request when the peer is declared failed, passes", async () => {
    const r = await runScenario(waiterScenario(true), { machine: "amd-2x2", seed: 1, faults: crashOne });
    assert.deepEqual(r.violations, []);
    assert.equal(r.stoppedBy, "done");
  });

  it("replicated with a crashed replica: every live core's update completes", async () => {
    const r = await runScenario(makeScenario("replicated", { updatesPerCore: 4, mode: "mixed" }, range(16)), {
      machine: "amd-4x4",
      seed: 1,
      faults: [{ kind: "crash", core: 5, atCycles: 30_000 }],
    });
    assert.deepEqual(r.violations, []);
    assert.equal(r.completed, true);
    assert.equal(r.stoppedBy, "done");
    assert.ok((r.results.committed as number) > 0, "updates committed on the live replicas");
  });

  it("replicated with a crashed home: every live core's update rejects naming the home", async () => {
    const r = await runScenario(makeScenario("replicated", { updatesPerCore: 4, mode: "mixed" }, range(8)), {
      machine: "amd-4x4",
      seed: 4,
      cores: range(8),
      faults: [{ kind: "crash", core: 0, atCycles: 30_000 }],
    });
    assert.deepEqual(r.violations, []);
    assert.equal(r.completed, true);
    assert.ok((r.results.failed as number) > 0, "updates in flight when the home crashed failed");
  });

  it("`sim --run replicated --crash` of a non-home core completes every live core's update", () => {
    const out = spawnSync(
      process.execPath,
      [cliMain, "sim", "--machine", "amd-4x4", "--run", "replicated", "--crash", "5@30000", "--check"],
      { encoding: "utf8", timeout: cliTimeoutMs },
    );
    assert.equal(out.status, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /no violation/);
    assert.doesNotMatch(out.stdout, /stall/);
  });

  it("the random check draws crashes for replicated, home and not, and every seed passes", async () => {
    const drawn = { home: 0, replica: 0 };
    for (let seed = 1; seed <= 400 && (drawn.home < 3 || drawn.replica < 6); seed++) {
      const c = checkCaseOf(seed);
      const crash = c.faults.find((f) => f.kind === "crash");
      if (c.scenario !== "replicated" || crash === undefined) continue;
      drawn[crash.core === c.cores[0] ? "home" : "replica"]++;
      const r = await runCheckCase(c);
      assert.deepEqual(r.violations, [], `seed ${seed}`);
      assert.equal(r.completed, true, `seed ${seed}`);
    }
    assert.ok(drawn.home >= 3 && drawn.replica >= 6, JSON.stringify(drawn));
  });

  for (const protocol of ["broadcast", "unicast", "multicast", "numa-multicast"] as const) {
    for (const crashed of [0, 5]) {
      it(`shootdown (${protocol}), core ${crashed} crashes: every live core's operations settle`, async () => {
        const r = await runScenario(makeScenario("shootdown", { protocol, pages: 4 }, range(16)), {
          machine: "amd-4x4",
          seed: 2,
          faults: [{ kind: "crash", core: crashed, atCycles: 30_000 }],
        });
        assert.deepEqual(r.violations, []);
        assert.equal(r.completed, true);
        assert.equal(r.stoppedBy, "done");
        assert.ok((r.results.peerFailed as number) > 0, "some operations failed, naming the peer");
      });
    }
  }

  it("random seeds with crashes each complete every request or report a violation", async () => {
    let crashes = 0;
    for (let seed = 1; seed <= 80; seed++) {
      const c = checkCaseOf(seed);
      if (!c.faults.some((f) => f.kind === "crash")) continue;
      crashes++;
      const r = await runCheckCase(c);
      assert.ok(r.completed || r.violations.length > 0, `seed ${seed}: unfinished yet no violation`);
      assert.deepEqual(r.violations, [], `seed ${seed}`);
    }
    assert.ok(crashes >= 5, `${crashes} seeds with a crash`);
  });
});

describe("sim --program: a failing main fails the run", () => {
  it("a main that throws or returns non-zero is a violation naming the core and the error", async () => {
    const main: DomainMain = async (ctx) => {
      await ctx.sleep(1);
      if (ctx.coreId === 1) throw new Error("planted failure");
      return ctx.coreId === 2 ? 3 : 0;
    };
    const r = await runScenario(programScenario({ program: "planted", main, cores: [0, 1, 2] }), {
      machine: "amd-2x2",
      seed: 1,
      cores: [0, 1, 2],
    });
    assert.deepEqual(r.violations, [
      "program: core 1: domain failed: planted failure",
      "program: core 2: main returned 3",
    ]);
  });

  it("`sim --program` exits 1 when a main fails", () => {
    const out = spawnSync(
      process.execPath,
      [cliMain, "sim", "--machine", "amd-2x2", "--program", programFile("fails"), "--core-list", "0-3"],
      { encoding: "utf8", timeout: cliTimeoutMs },
    );
    assert.equal(out.status, 1, out.stdout + out.stderr);
    assert.match(out.stdout, /program: core 1: domain failed: planted failure on core 1/);
    assert.match(out.stdout, /program: core 2: main returned 3/);
  });
});

describe("sim: simulated code cannot reach the host's process or timers", () => {
  it("process.exit in a domain fails its main and leaves the simulator running", async () => {
    const main: DomainMain = async (ctx) => {
      await ctx.sleep(1);
      process.exit(7);
    };
    const r = await runScenario(programScenario({ program: "exits", main, cores: [0, 1] }), {
      machine: "amd-2x2",
      seed: 1,
      cores: [0, 1],
    });
    assert.equal(r.violations.length, 2);
    for (const v of r.violations) assert.match(v, /domain failed: simulated code called process\.exit/);
    assert.equal(typeof process.exit, "function");
    assert.doesNotThrow(() => clearTimeout(setTimeout(() => {}, 1)), "the host's timers are restored");
  });

  it("the host's global timers throw in the domain that calls them", async () => {
    const main: DomainMain = (ctx) => {
      if (ctx.coreId === 0) setTimeout(() => {}, 1);
      else if (ctx.coreId === 1) setInterval(() => {}, 1);
      else setImmediate(() => {});
      return 0;
    };
    const r = await runScenario(programScenario({ program: "timers", main, cores: [0, 1, 2] }), {
      machine: "amd-2x2",
      seed: 1,
      cores: [0, 1, 2],
    });
    assert.deepEqual(
      r.violations.map((v) => v.replace(/: the simulator owns time .*/, "")),
      [
        "program: core 0: domain failed: simulated code called setTimeout",
        "program: core 1: domain failed: simulated code called setInterval",
        "program: core 2: domain failed: simulated code called setImmediate",
      ],
    );
  });

  it("a host timer that escapes the guard and throws is reported, not fatal (`sim --program`)", () => {
    // In a child process: node:test would count the uncaught exception against the test itself.
    const out = spawnSync(
      process.execPath,
      [cliMain, "sim", "--machine", "amd-2x2", "--program", programFile("host-timers"), "--core-list", "0,1"],
      { encoding: "utf8", timeout: cliTimeoutMs },
    );
    assert.equal(out.status, 1, out.stdout + out.stderr);
    assert.match(out.stdout, /core 0: domain failed: simulated code called setTimeout/);
    assert.match(
      out.stdout,
      /host: uncaught exception from simulated code: Error: host timer of core 1 fired/,
    );
  });

  it("a busy-looping domain is ended by the watchdog, which names its core", async () => {
    const r = await runHostedOn2x2("busy", pathToFileURL(programFile("busy")).href, { handlerHostMs: 300 });
    assert.equal(r.stoppedBy, "watchdog");
    assert.equal(r.violations.length, 1);
    assert.match(r.violations[0]!, /^watchdog: core 1's handler ran for more than 300 ms of host time/);
  });

  it("`sim --program` of a well-behaved program in its worker passes", () => {
    const out = spawnSync(
      process.execPath,
      [
        cliMain,
        "sim",
        "--machine",
        "amd-4x4",
        "--program",
        fileURLToPath(new URL("../../examples/ping-pong.js", import.meta.url)),
        "--core-list",
        "0,5",
      ],
      { encoding: "utf8", timeout: cliTimeoutMs },
    );
    assert.equal(out.status, 0, out.stdout + out.stderr);
    assert.match(out.stdout, /checkers: no violation/);
  });
});
