// Tests of the simulator's scenarios: the real monitors boot on simulated machines and the SKB
// finds their structure; pingpong latencies match the paper's; replicated updates agree under
// concurrency; crashes are detected, and a stall they cause is reported; runs replay byte for byte from their seed; the
// replay command of a randomised case gives the same run; and the randomised checker passes a few
// hundred seeds quickly. The checkers' own sensitivity is tested on fabricated histories.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { bootScenario256 } from "../../src/cli/commands/bench-sim.js";
import { parseCrash, parseDelay, parseSlow, parseStall } from "../../src/cli/commands/sim.js";
import { checkCaseOf, checkSeeds, commandOf, runCheckCase } from "../../src/platform/sim/check-run.js";
import { ReplicaChecker } from "../../src/platform/sim/replica-checker.js";
import { makeScenario, runScenario } from "../../src/platform/sim/scenarios/index.js";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("sim scenarios", () => {
  it("boot: the real BootModule connects all 32 cores of amd-8x4 and the SKB measures every pair", async () => {
    const r = await runScenario(makeScenario("boot", { probeRounds: 2 }, range(32)), {
      machine: "amd-8x4",
      seed: 7,
    });
    assert.deepEqual(r.violations, []);
    assert.equal(r.stoppedBy, "done");
    assert.equal(r.results.coresConnected, 32);
    const skb = r.results.skb as { cores: number; roundTripsNs: number[][] };
    assert.equal(skb.cores, 32);
    assert.ok(skb.roundTripsNs[0]![1]! > 0);
    assert.ok(r.lines.some((l) => l.startsWith("round trips between cores")));
  });

  it("boot: on intel-2x4 the SKB finds the L2-sharing pairs from simulated round trips", async () => {
    const r = await runScenario(makeScenario("boot", { probeRounds: 2 }, range(8)), {
      machine: "intel-2x4",
      seed: 1,
    });
    assert.deepEqual(r.violations, []);
    const skb = r.results.skb as { packages: { cores: number[] }[] };
    assert.deepEqual(
      skb.packages.map((p) => p.cores),
      [
        [0, 1],
        [2, 3],
        [4, 5],
        [6, 7],
      ],
    );
  });

  it("pingpong: one-way latency through the monitors within 10% of the paper's Table 2", async () => {
    for (const [a, b] of [
      [0, 1],
      [0, 4],
      [0, 8],
    ] as const) {
      const r = await runScenario(makeScenario("pingpong", { pair: [a, b], rounds: 200 }, range(32)), {
        machine: "amd-8x4",
        seed: 7,
      });
      assert.deepEqual(r.violations, []);
      const median = r.results.oneWayCyclesMedian as number;
      const paper = r.results.paperLatencyCycles as number;
      assert.ok(Math.abs(median - paper) / paper < 0.1, `${a}->${b}: ${median} vs paper ${paper}`);
    }
  });

  it("pingpong through a domain: two dispatchers bind through the monitors and make typed RPC calls", async () => {
    const r = await runScenario(
      makeScenario("pingpong", { pair: [0, 9], rounds: 50, domain: true }, range(32)),
      {
        machine: "amd-8x4",
        seed: 7,
      },
    );
    assert.deepEqual(r.violations, []);
    assert.equal(r.results.rounds, 50);
    assert.equal(r.results.clientExit, 0);
    assert.ok((r.results.oneWayCyclesMedian as number) > 500);
  });

  for (const mode of ["one-phase", "two-phase", "mixed"] as const) {
    it(`replicated: ${mode} updates from 16 cores all answered, replicas agree`, async () => {
      const r = await runScenario(makeScenario("replicated", { updatesPerCore: 6, mode }, range(16)), {
        machine: "amd-4x4",
        seed: 11,
      });
      assert.deepEqual(r.violations, []);
      assert.equal(r.stoppedBy, "done");
      const res = r.results as { issued: number; committed: number; aborted: number; failed: number };
      assert.equal(res.issued, 96);
      assert.equal(res.committed + res.aborted, 96);
      assert.equal(res.failed, 0);
      if (mode === "one-phase") assert.equal(res.aborted, 0);
      else assert.ok(res.aborted > 0, "some two-phase updates are vetoed");
    });
  }

  it("a crashed core is detected by every live monitor; a stall it causes is a violation", async () => {
    // pingpong survives the crash of its ponger (its rounds fail, naming the core), and replicated
    // that of a replica (it leaves the object); boot waits for every core, so its stall is
    // reported, never excused.
    const expected = { boot: "stall", pingpong: "pass", replicated: "pass" } as const;
    for (const scenario of ["boot", "pingpong", "replicated"] as const) {
      const r = await runScenario(makeScenario(scenario, { pair: [0, 5], rounds: 1000 }, range(16)), {
        machine: "amd-4x4",
        seed: 3,
        faults: [{ kind: "crash", core: 5, atCycles: 20_000 }],
      });
      if (expected[scenario] === "pass") {
        assert.deepEqual(r.violations, [], scenario);
        assert.equal(r.completed, true, scenario);
        assert.equal(r.stoppedBy, "done", scenario);
        if (scenario === "pingpong")
          assert.ok(
            r.lines.some((l) => /failed: core 5 failed/.test(l)),
            scenario,
          );
      } else {
        assert.equal(r.completed, false, scenario);
        assert.equal(r.stoppedBy, "detected", scenario);
        assert.ok(
          r.violations.some((v) => /^stall: requests of live cores never completed/.test(v)),
          `${scenario}: ${r.violations.join("; ")}`,
        );
      }
      assert.deepEqual(
        [...new Set(r.detections.map((d) => d.by))].sort((a, b) => a - b),
        range(16).filter((c) => c !== 5),
      );
      assert.ok(r.detections.every((d) => d.core === 5));
      assert.ok(
        r.lines.some((l) => l.startsWith("failure detected: core 5 by 15 of 15")),
        scenario,
      );
    }
  });

  it("a stall longer than the failure detector's timeout is reported, as a suspicion of a live core", async () => {
    const r = await runScenario(makeScenario("pingpong", { pair: [0, 1], rounds: 10 }, range(4)), {
      machine: "amd-2x2",
      seed: 1,
      liveness: true,
      faults: [{ kind: "stall", core: 3, fromCycles: 1_000, toCycles: 3_000_000 }],
    });
    assert.ok(r.violations.some((v) => /declared core 3 failed, but it never crashed/.test(v)));
  });

  it("same seed and arguments: byte-identical trace; another seed: another trace", async () => {
    const once = async (seed: number) =>
      (
        await runScenario(makeScenario("replicated", { updatesPerCore: 3 }, range(8)), {
          machine: "amd-4x4",
          seed,
          cores: range(8),
          trace: true,
          faults: [
            { kind: "delay", probability: 0.2, extraCycles: 3_000 },
            { kind: "slow", core: 2, factor: 3 },
            { kind: "crash", core: 6, atCycles: 50_000 },
          ],
        })
      ).trace!;
    const a = await once(5);
    assert.ok(a.length > 1000);
    const events = (JSON.parse(a) as { traceEvents: { ph: string; name: string }[] }).traceEvents;
    assert.ok(
      events.some((e) => e.ph === "X") &&
        events.some((e) => e.ph === "s") &&
        events.some((e) => e.ph === "f"),
    );
    assert.ok(events.some((e) => e.ph === "i" && e.name === "crash"));
    assert.equal(await once(5), a);
    assert.notEqual(await once(6), a);
  });

  it("fault flags parse into the faults they name", () => {
    assert.deepEqual(parseCrash("3@1000"), { kind: "crash", core: 3, atCycles: 1000 });
    assert.deepEqual(parseStall("2@10-20"), { kind: "stall", core: 2, fromCycles: 10, toCycles: 20 });
    assert.deepEqual(parseSlow("1:4"), { kind: "slow", core: 1, factor: 4 });
    assert.deepEqual(parseDelay("0.5:100"), { kind: "delay", probability: 0.5, extraCycles: 100 });
    assert.deepEqual(parseDelay("0.5:100:*>3"), {
      kind: "delay",
      probability: 0.5,
      extraCycles: 100,
      toCore: 3,
    });
    assert.throws(() => parseCrash("3"));
  });

  it("a randomised case's printed command replays the same run", async () => {
    // A seed whose case has faults, so that every flag is exercised over the seeds tried.
    let seed = 1;
    while (checkCaseOf(seed).faults.length < 2) seed++;
    const c = checkCaseOf(seed);
    const expected = await runCheckCase(c);
    const main = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
    const args = commandOf(c)
      .replace(/^npx multikernel /, "")
      .split(" ");
    const out = spawnSync(process.execPath, [main, ...args, "--json"], { encoding: "utf8" });
    assert.equal(out.status, 0, out.stderr);
    const got = JSON.parse(out.stdout) as {
      events: number;
      virtualCycles: number;
    };
    assert.equal(got.events, expected.events);
    assert.equal(got.virtualCycles, expected.virtualCycles);
  });

  it("bench sim's boot: 256 real BootModules on mesh-16x16 (its host time is the benchmark's to judge)", async () => {
    const boot = await bootScenario256();
    assert.equal(boot.deliveries, 255 * 256 + 255);
    assert.ok(boot.virtualNs !== null && boot.virtualNs > 0);
  });

  it("bench urpc --machine prints the simulated Table 2 as JSON on standard output", () => {
    const main = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));
    const out = spawnSync(process.execPath, [main, "bench", "urpc", "--machine", "amd-4x4", "--json"], {
      encoding: "utf8",
    });
    assert.equal(out.status, 0, out.stderr);
    const table = JSON.parse(out.stdout) as {
      machine: string;
      paths: { class: string; latencyCycles: number; msgsPerKcycle: number; paperLatencyCycles: number }[];
    };
    assert.equal(table.machine, "amd-4x4");
    assert.deepEqual(
      table.paths.map((p) => p.class),
      ["shared", "one-hop", "two-hop"],
    );
    for (const p of table.paths)
      assert.ok(Math.abs(p.latencyCycles - p.paperLatencyCycles) / p.paperLatencyCycles < 0.1);
    assert.match(out.stderr, /paper: 448 cycles/, "the table is on standard error");
  });

  it("200 random seeds (machines, core sets, scenarios, faults) pass every checker", async () => {
    const summary = await checkSeeds(1, 200);
    assert.deepEqual(
      summary.failures.map((f) => `${f.seed}: ${f.violations[0]} (${f.command})`),
      [],
    );
    assert.equal(summary.passed, 200);
    assert.ok((summary.faults.crash ?? 0) > 10 && (summary.faults.stall ?? 0) > 10);
  });
});

describe("replica checker", () => {
  it("reports disagreement, reordering and broken atomicity", () => {
    const c = new ReplicaChecker("x", [0, 1, 2]);
    for (const id of ["a", "b", "c"]) c.issued(id, "two-phase");
    c.applied(0, 1, "a");
    c.applied(1, 1, "b");
    c.applied(2, 2, "a");
    c.settled("c", "two-phase", { kind: "aborted", reason: "no" });
    c.applied(0, 2, "c");
    const found = c.finish([0, 1, 2], true).join("\n");
    assert.match(found, /order: core 2 applied seq 2 after seq 0/);
    assert.match(found, /agreement: seq 1 is a on core 0 but b on core 1/);
    assert.match(found, /atomicity: update c aborted but applied/);
    assert.match(found, /atomicity: two-phase update a applied on 2 of 3/);
  });

  it("passes a consistent history, and excuses a crashed replica", () => {
    const c = new ReplicaChecker("x", [0, 1, 2]);
    c.issued("a", "one-phase");
    for (const core of [0, 1]) c.applied(core, 1, "a");
    c.settled("a", "one-phase", { kind: "committed", seq: 1 });
    assert.deepEqual(c.finish([0, 1], true), []);
  });
});
