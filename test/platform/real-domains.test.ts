// Tests of domains on the real platform: binding and calls across cores (2 cores, and 4 cores over
// this machine's CPUs with every core calling every other), a handler that answers later, a domain
// that throws on one core (reported, and the system goes on), and bad input answered with a clear
// error: a program that does not exist, a core that does not exist, a service nobody exports, and
// a bind with the wrong interface. The `run` command is tested here too, as a child process. The
// test domains live in ./domains.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { boot, type DomainResult } from "../../src/index.js";
import { domain, useBootedSystem } from "./booted-system.js";
import { cliTimeoutMs, runCli } from "./cli-process.js";
import { exitCode } from "./domains/exits-core.js";
import { failureText } from "./domains/throws-on-one.js";
import { countHandles, handlesAddedSince, settle } from "./handles.js";

/** Bound on one test: one or two domains on a booted system. */
const domainTestTimeoutMs = 60_000;
/** Bound on one domain's run, well inside the test's. */
const runTimeoutMs = 45_000;
/** Characters a too-long program name has: more than a spawn message carries. */
const spawnProgramBytesOver = 1100;
/** Back-to-back pairs of domains that export the same name from different cores. */
const nameReuseRounds = 10;
/** Cores of the many-core system: more than a 2-CPU machine has. */
const manyCores = 4;
/** How long a domain's printed line may trail its result (they travel on different workers' ports). */
const logLineWaitMs = 5_000;
/** Pause between two looks for that line. */
const logLinePollMs = 10;

/** Waits, bounded, for a line of the system's output that `matches`. */
async function waitForLine(lines: readonly string[], matches: (line: string) => boolean): Promise<void> {
  for (let waitedMs = 0; !lines.some(matches); waitedMs += logLinePollMs) {
    assert.ok(waitedMs < logLineWaitMs, `no such line within ${logLineWaitMs} ms in:\n${lines.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, logLinePollMs));
  }
}

function assertAllExited(result: DomainResult, cores: readonly number[]): void {
  assert.deepEqual(
    result.exits,
    cores.map((core) => ({ core, status: 0, error: "" })),
  );
  assert.equal(result.status, 0);
}

/** The exit of `core`, which must have failed with status 1 and an error matching `pattern`. */
function assertFailedOn(result: DomainResult, core: number, pattern: RegExp): void {
  assert.equal(result.status, 1);
  const exit = result.exits.find((e) => e.core === core);
  assert.ok(exit !== undefined, `no exit from core ${core}: ${JSON.stringify(result.exits)}`);
  assert.equal(exit.status, 1);
  assert.match(exit.error, pattern);
}

describe("real platform: domains on 2 cores", () => {
  const booted = useBootedSystem();
  const { lines } = booted;

  it("core 1 binds to core 0's service and every call is answered right", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("echo-calls"), [0, 1], runTimeoutMs);
    assertAllExited(result, [0, 1]);
    assert.ok(result.domainId > 0);
    await waitForLine(lines, (line) => line.startsWith("[core 1]") && line.includes("calls answered"));
  });

  it("a handler may answer later, when the client releases it; replies find their calls", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    assertAllExited(await booted.system.run(domain("late-reply"), [0, 1], runTimeoutMs), [0, 1]);
  });

  it("a binding closed right after a burst of one-way messages delivers every one, in order", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("closes-after-burst"), [0, 1], runTimeoutMs);
    assertAllExited(result, [0, 1]);
  });

  it("a domain that throws on one core: status 1, that core's error, the others 0; the system goes on", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("throws-on-one"), [0, 1], runTimeoutMs);
    assertFailedOn(result, 1, new RegExp(`${failureText} on core 1`));
    assert.deepEqual(
      result.exits.find((e) => e.core === 0),
      { core: 0, status: 0, error: "" },
    );
    // The same system still runs a domain that talks across cores.
    assertAllExited(await booted.system.run(domain("echo-calls"), [0, 1], runTimeoutMs), [0, 1]);
  });

  it("a domain may return a non-zero status, which run reports", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("exit-status"), [0, 1], runTimeoutMs);
    assert.equal(result.status, 3);
    assert.deepEqual(result.exits, [
      { core: 0, status: 0, error: "" },
      { core: 1, status: 3, error: "" },
    ]);
  });

  it("a domain's service names are free again once its run resolves", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    for (let round = 0; round < nameReuseRounds; round++) {
      assertAllExited(await booted.system.run(domain("reuses-name"), [0, 1], runTimeoutMs), [0, 1]);
      assertAllExited(await booted.system.run(domain("reuses-name-low"), [0, 1], runTimeoutMs), [0, 1]);
    }
  });

  it("a program that does not exist is refused once, before any core loads it, naming the program", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const missing = domain("no-such-domain");
    await assert.rejects(booted.system.run(missing, [0, 1], runTimeoutMs), /no such file .*no-such-domain/);
    assert.deepEqual(
      lines.filter((line) => line.includes("no-such-domain")),
      [],
    );
  });

  it("run on a core that does not exist rejects, naming the core", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    await assert.rejects(
      booted.system.run(domain("echo-calls"), [0, 7], runTimeoutMs),
      /core 7 does not exist/,
    );
    await assert.rejects(booted.system.run(domain("echo-calls"), [], runTimeoutMs), /at least one core/);
    await assert.rejects(booted.system.run(domain("echo-calls"), [1, 1], runTimeoutMs), /name a core twice/);
    assertAllExited(await booted.system.run(domain("echo-calls"), [0], runTimeoutMs), [0]);
  });

  it("a program name too long for a spawn message rejects before any core starts it", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    // A program that loads (the check before a run passes) but whose URL no spawn message carries.
    const tooLong = `data:text/javascript,export function main() {} // too-long-${"x".repeat(spawnProgramBytesOver)}`;
    await assert.rejects(
      booted.system.run(tooLong, [0, 1], runTimeoutMs),
      /spawn: the program's name is \d+ bytes, over the \d+/,
    );
    // A domain run after it completes; had a core started the rejected one, its failure to load
    // would have been logged by then.
    assertAllExited(await booted.system.run(domain("echo-calls"), [0, 1], runTimeoutMs), [0, 1]);
    assert.deepEqual(
      lines.filter((line) => line.includes("too-long-")),
      [],
    );
  });

  it("binding to a service nobody exports fails with a clear error", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("unknown-service"), [1], runTimeoutMs);
    assertFailedOn(result, 1, /bind "test-no-such-service": no service named "test-no-such-service"/);
  });

  it("binding with an interface of another name fails with a clear error", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("wrong-interface"), [0, 1], runTimeoutMs);
    assertFailedOn(
      result,
      1,
      /wrong interface: the service exports test_shape, the client asked for test_colour/,
    );
    assert.equal(result.exits.find((e) => e.core === 0)?.status, 0);
  });

  it("binding with the same interface name but another declaration fails with a clear error", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("wrong-declaration"), [0, 1], runTimeoutMs);
    assertFailedOn(result, 1, /wrong interface: both sides say test_shape, but their declarations differ/);
  });
});

describe(`real platform: domains on ${manyCores} cores (more cores than CPUs on a small machine)`, () => {
  const booted = useBootedSystem(manyCores);

  it("every core binds to and calls every other core's service", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    const cores = booted.system.coreIds;
    assertAllExited(await booted.system.run(domain("all-to-all"), cores, runTimeoutMs), cores);
  });

  it("a client on the last core calls a server on the first, across the shared CPUs", {
    timeout: domainTestTimeoutMs,
  }, async () => {
    assertAllExited(await booted.system.run(domain("echo-calls"), [0, manyCores - 1], runTimeoutMs), [
      0,
      manyCores - 1,
    ]);
  });
});

describe("real platform: a domain that kills its core's thread", () => {
  const cases: ReadonlyArray<readonly [string, RegExp]> = [
    ["exits-core", new RegExp(`core 1 exited unexpectedly \\(code ${exitCode}\\)`)],
  ];
  for (const [program, expected] of cases) {
    it(`${program}: run rejects naming the core, later runs too, and shutdown leaves nothing`, {
      timeout: domainTestTimeoutMs,
    }, async () => {
      await settle();
      const handlesBefore = countHandles();
      const lines: string[] = [];
      const system = await boot({ cores: 2, measureLatency: false, onLog: (line) => lines.push(line) });
      try {
        await assert.rejects(system.run(domain(program), [0, 1], runTimeoutMs), expected);
        await assert.rejects(system.run(domain("echo-calls"), [0, 1], runTimeoutMs), expected);
      } finally {
        await system.shutdown();
      }
      await settle();
      assert.deepEqual(handlesAddedSince(handlesBefore), [], "handles left after shutdown");
      assert.ok(
        !lines.some((line) => line.includes("shutdown timed out")),
        "the live core stopped by itself",
      );
    });
  }
});

describe("multikernel run (the command)", () => {
  it("prints the domain's output prefixed by core and exits 0", { timeout: cliTimeoutMs }, () => {
    const result = runCli(["run", domain("echo-calls"), "--core-list", "0-1"]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^\[core 1\] \d+ calls answered$/m);
  });

  it("prints what the domain writes to its console, prefixed by core, up to a last line with no newline; its errors on stderr", {
    timeout: cliTimeoutMs,
  }, () => {
    const result = runCli(["run", domain("prints"), "--core-list", "0-1"]);
    assert.equal(result.status, 0, result.stderr);
    for (const core of [0, 1]) {
      assert.match(result.stdout, new RegExp(`^\\[core ${core}\\] console line from core ${core}$`, "m"));
      assert.match(
        result.stdout,
        new RegExp(`^\\[core ${core}\\] last words of core ${core}, no newline$`, "m"),
      );
      // What the domain writes to its console's error stream goes to the command's.
      assert.match(result.stderr, new RegExp(`^\\[core ${core}\\] error line from core ${core}$`, "m"));
      assert.doesNotMatch(result.stdout, /error line/);
    }
  });

  it("exits with the domain's non-zero status", { timeout: cliTimeoutMs }, () => {
    const result = runCli(["run", domain("exit-status"), "--core-list", "0-1"]);
    assert.equal(result.status, 3, result.stderr);
    assert.match(result.stdout, /^\[core 0\] hello from core 0$/m);
    assert.match(result.stdout, /^\[core 1\] hello from core 1$/m);
  });

  it("exits 1 and names the error when the domain throws", { timeout: cliTimeoutMs }, () => {
    const result = runCli(["run", domain("throws-on-one"), "--core-list", "0-1"]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, new RegExp(`core 1: domain failed: ${failureText} on core 1`));
  });

  it("exits 1 and names the program when it does not exist", { timeout: cliTimeoutMs }, () => {
    const result = runCli(["run", domain("no-such-domain"), "--core-list", "0"]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /no such file .*no-such-domain/);
  });

  it("a bad --core-list is a clear usage error, exit status 2", { timeout: cliTimeoutMs }, () => {
    for (const cores of ["x-y", "3-1", ""]) {
      const result = runCli(["run", domain("echo-calls"), "--core-list", cores]);
      assert.equal(result.status, 2, `--core-list '${cores}'`);
      assert.match(result.stderr, /option '--core-list <list>' argument '.*' is invalid/);
    }
  });
});
