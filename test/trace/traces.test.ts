// Every trace the project writes, checked against the rules Perfetto's JSON importer sets
// (trace-rules.ts): `boot --trace` and `run --trace` on two real cores with a small domain, and
// `sim --trace` for each scenario. Each trace must also hold what it is for: slices, and arrows
// whose every end has its start.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { scenarioNames } from "../../src/platform/sim/index.js";
import { runCli } from "../platform/cli-process.js";
import { countPhase, traceViolations } from "./trace-rules.js";

const directory = mkdtempSync(join(tmpdir(), "multikernel-traces-"));
after(() => rmSync(directory, { recursive: true, force: true }));
const domainPath = fileURLToPath(new URL("./domains/traced-calls.js", import.meta.url));

/** Runs the command with `--trace FILE` and returns the trace's text. */
function traceOf(name: string, args: readonly string[]): string {
  const file = join(directory, `${name}.json`);
  const result = runCli([...args, "--trace", file]);
  assert.equal(result.status, 0, `multikernel ${args.join(" ")} failed:\n${result.stderr}\n${result.stdout}`);
  return readFileSync(file, "utf8");
}

function assertImportsWhole(text: string): void {
  assert.deepEqual(traceViolations(text), []);
  assert.ok(countPhase(text, "X") > 0, "the trace has slices");
  assert.ok(countPhase(text, "f") > 0, "the trace has arrows");
  const ambiguous = /"name":"([^"]* \| [^"]*)"/.exec(text);
  assert.equal(ambiguous, null, `a slice's interface is ambiguous: ${ambiguous?.[1]}`);
}

describe("traces of real cores", () => {
  it("boot --trace on 2 cores imports whole", () => {
    assertImportsWhole(traceOf("boot", ["boot", "--cores", "2"]));
  });

  it("run --trace of a domain on 2 cores imports whole, its rpc named by interface", () => {
    const text = traceOf("run", ["run", domainPath, "--core-list", "0-1"]);
    assertImportsWhole(text);
    assert.match(text, /"name":"trace_echo\.echo_call"/);
    assert.match(text, /"name":"trace_echo\.echo_reply"/);
  });
});

describe("traces of the simulator", () => {
  for (const scenario of scenarioNames) {
    it(`sim --run ${scenario} --trace imports whole`, () => {
      const args = ["sim", "--machine", "amd-2x2", "--seed", "1", "--run", scenario];
      assertImportsWhole(traceOf(`sim-${scenario}`, args));
    });
  }
  it("sim --run pingpong --domain --trace imports whole", () => {
    const args = ["sim", "--machine", "amd-2x2", "--seed", "1", "--run", "pingpong", "--domain"];
    const text = traceOf("sim-pingpong-domain", args);
    assertImportsWhole(text);
    assert.match(text, /"name":"ping_pong\.ping_call"/);
  });
});

describe("the trace rules", () => {
  const wrap = (events: readonly object[]) => JSON.stringify({ traceEvents: events });
  const slice = { name: "boot.hello", ph: "X", ts: 0, dur: 10, pid: 0, tid: 0 };
  it("find a string flow id, an end with no start and a slice named by its type number", () => {
    const violations = traceViolations(
      wrap([
        slice,
        { ...slice, name: "message 0x0140" },
        { name: "msg", cat: "msg", ph: "s", ts: 1, pid: 0, tid: 0, id: "mesh 0->1#0" },
        { name: "msg", cat: "msg", ph: "f", bp: "e", ts: 2, pid: 0, tid: 0, id: 7 },
      ]),
    );
    assert.equal(violations.length, 3, violations.join("\n"));
  });
  it("find a flow outside every slice and an event without ts", () => {
    const violations = traceViolations(
      wrap([
        slice,
        { name: "msg", cat: "msg", ph: "s", ts: 20, pid: 0, tid: 0, id: 1 },
        { ph: "M", pid: 0, tid: 0 },
      ]),
    );
    assert.equal(violations.length, 2, violations.join("\n"));
  });
});
