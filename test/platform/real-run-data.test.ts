// Tests of the data a run hands in and out on the real platform: `args` reach every core as its
// own copy of ctx.args, what main returns comes back per core as `value`, programs given as URLs,
// a run aborted by its AbortSignal (rejected with an AbortError at once, its domain abandoned, the
// next run on the same system fine, nothing left behind after shutdown), results and arguments that
// cannot be handed over refused clearly, and the `run` command's `-- ARG…` and --json. The test
// domains live in ./domains.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { limits } from "../../src/index.js";
import { domain, useBootedSystem } from "./booted-system.js";
import { runCli } from "./cli-process.js";

/** Bound on one test: a few domains on a booted system. */
const testTimeoutMs = 60_000;
/** Bound on booting or shutting down the system, in before/after. */
const _bootHookTimeoutMs = 60_000;
/** Bound on one domain's run, well inside the test's. */
const runTimeoutMs = 45_000;
/** How long the waiting domain may take to say so on every core. */
const waitLineMs = 20_000;
/** Pause between two looks for those lines. */
const waitLinePollMs = 10;

describe("real platform: data in and out of a run", { timeout: testTimeoutMs * 4 }, () => {
  const booted = useBootedSystem();
  const { lines } = booted;

  it("gives every core its own copy of args and hands back each core's result", {
    timeout: testTimeoutMs,
  }, async () => {
    const args = ["a", "b", { n: 1n, when: new Map([["k", 2]]) }];
    const result = await booted.system.run(domain("args-result"), [0, 1], { args, timeoutMs: runTimeoutMs });
    assert.equal(result.status, 0);
    assert.deepEqual(
      result.exits,
      [0, 1].map((core) => ({ core, status: 0, error: "", value: { core, args } })),
    );
    assert.equal(args.length, 3, "the caller's args are not the cores' copies");
  });

  it("gives [] as ctx.args when run without args, and takes the earlier numeric bound", {
    timeout: testTimeoutMs,
  }, async () => {
    const result = await booted.system.run(domain("args-result"), [1], runTimeoutMs);
    assert.deepEqual(result.exits, [{ core: 1, status: 0, error: "", value: { core: 1, args: [] } }]);
  });

  it("runs a program given as a URL object or a file: URL", { timeout: testTimeoutMs }, async () => {
    const url = new URL("./domains/args-result.js", import.meta.url);
    const byObject = await booted.system.run(url, [0, 1], { args: ["url"], timeoutMs: runTimeoutMs });
    assert.deepEqual(
      byObject.exits.map((exit) => exit.value),
      [0, 1].map((core) => ({ core, args: ["url"] })),
    );
    const byText = await booted.system.run(pathToFileURL(domain("args-result")).href, [0], {
      timeoutMs: runTimeoutMs,
    });
    assert.equal(byText.status, 0);
    await assert.rejects(
      booted.system.run(new URL("https://example.com/domain.js"), [0]),
      /must be a file: URL, got https:/,
    );
  });

  /** Starts the waiting domain with `signal`; resolves, once every core waits, with its run. */
  async function startWaiting(signal: AbortSignal): Promise<{ readonly running: Promise<unknown> }> {
    const running = booted.system.run(domain("waits"), [0, 1], { signal, timeoutMs: runTimeoutMs });
    running.catch(() => {}); // Awaited by the caller; not unhandled while the lines are awaited.
    const waiting = (line: string, core: number) =>
      new RegExp(`^\\[core ${core}\\] domain \\d+ core ${core}: waiting$`).test(line);
    for (let waitedMs = 0; [0, 1].some((core) => !lines.some((line) => waiting(line, core))); ) {
      assert.ok(
        waitedMs < waitLineMs,
        `the domain did not start within ${waitLineMs} ms:\n${lines.join("\n")}`,
      );
      await new Promise((resolve) => setTimeout(resolve, waitLinePollMs));
      waitedMs += waitLinePollMs;
    }
    lines.length = 0;
    return { running };
  }

  it("rejects an aborted run at once with an AbortError, abandons its domain, and goes on", {
    timeout: testTimeoutMs,
  }, async () => {
    // The second run exports the name the first holds: it can only if the first was abandoned.
    for (let round = 0; round < 2; round++) {
      const controller = new AbortController();
      const { running } = await startWaiting(controller.signal);
      controller.abort();
      await assert.rejects(running, (error: Error) => error.name === "AbortError");
    }
    const again = await booted.system.run(domain("args-result"), [0, 1], {
      args: ["after"],
      timeoutMs: runTimeoutMs,
    });
    assert.equal(again.status, 0);
  });

  it("rejects a run whose signal is aborted already, with the signal's reason, before it starts", async () => {
    const reason = new Error("not now");
    await assert.rejects(
      booted.system.run(domain("args-result"), [0], { signal: AbortSignal.abort(reason) }),
      (error) => error === reason,
    );
  });

  it("refuses a result that cannot be handed back, naming why", { timeout: testTimeoutMs }, async () => {
    const refused = async (kind: string, pattern: RegExp) => {
      const result = await booted.system.run(domain("bad-result"), [0, 1], {
        args: [kind],
        timeoutMs: runTimeoutMs,
      });
      assert.equal(result.status, 1, kind);
      for (const exit of result.exits) {
        assert.match(exit.error, pattern);
        assert.equal("value" in exit, false);
      }
    };
    await refused(
      "function",
      /main resolved to a value of type object that cannot be handed back \(not structured-cloneable: .*could not be cloned/,
    );
    await refused(
      "big",
      new RegExp(`bytes encoded, over the ${limits.domainResultBytesMax} a result may take`),
    );
    await refused("number", /main resolved to 256, not an exit status \(an integer in 0–255\)/);
  });

  it("refuses args that cannot be handed to the cores, before anything starts", async () => {
    await assert.rejects(
      booted.system.run(domain("args-result"), [0], { args: { f: () => 1 } }),
      (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, /run: args cannot be handed to the cores \(not structured-cloneable/);
        return true;
      },
    );
    await assert.rejects(
      booted.system.run(domain("args-result"), [0], { args: "x".repeat(limits.domainArgsBytesMax) }),
      new RegExp(`run: args are \\d+ bytes encoded, over the ${limits.domainArgsBytesMax}`),
    );
    await assert.rejects(
      booted.system.run(domain("args-result"), [0], { timeoutMs: 0 }),
      /timeoutMs must be an integer/,
    );
  });
});

describe("the run command: arguments after --, results on standard output", {
  timeout: testTimeoutMs * 2,
}, () => {
  it("passes every word after -- (options included) and prints one JSON document with --json", () => {
    const cli = runCli([
      "run",
      domain("args-result"),
      "--core-list",
      "0-1",
      "--json",
      "--",
      "a",
      "b",
      "--json",
    ]);
    assert.equal(cli.status, 0, cli.stderr);
    const document = JSON.parse(cli.stdout) as { status: number; cores: number[]; exits: unknown[] };
    assert.equal(document.status, 0);
    assert.deepEqual(document.cores, [0, 1]);
    assert.deepEqual(
      document.exits,
      [0, 1].map((core) => ({ core, status: 0, error: "", value: { core, args: ["a", "b", "--json"] } })),
    );
  });

  it("prints each core's result after its output without --json", () => {
    const cli = runCli(["run", domain("args-result"), "--core-list", "0", "--", "x"]);
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /^\[core 0\] result: \{ core: 0, args: \[ 'x' \] \}$/m);
  });
});
