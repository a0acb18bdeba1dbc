// Tests of src/cli/output.ts, the one rule of where a command's output goes: text on standard output,
// or on standard error under --json, where standard output holds one JSON line and nothing else;
// and that no other file of the CLI writes to standard output itself, so that the rule holds for
// every command (including those too slow to run in a test: see json-output.test.ts).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { commandOutput } from "../../src/cli/output.js";

/** A command's output writing into two strings instead of the process's streams. */
function captured(asJson: boolean) {
  const text = { stdout: "", stderr: "" };
  const output = commandOutput(asJson, {
    stdout: { write: (chunk: string) => (text.stdout += chunk) },
    stderr: { write: (chunk: string) => (text.stderr += chunk) },
  });
  return { output, text };
}

describe("commandOutput", () => {
  it("without --json: text on standard output, no JSON anywhere", () => {
    const { output, text } = captured(false);
    output.text("a table");
    output.json({ figure: 1 });
    assert.equal(text.stdout, "a table\n");
    assert.equal(text.stderr, "");
  });

  it("with --json: text on standard error, standard output one JSON line", () => {
    const { output, text } = captured(true);
    output.text("[boot 1.0 ms] booted");
    output.json({ figure: 1, note: "two\nlines" });
    output.text("[boot] shut down cleanly");
    assert.deepEqual(JSON.parse(text.stdout), { figure: 1, note: "two\nlines" });
    assert.equal(text.stdout.split("\n").length, 2, "one line and its newline");
    assert.equal(text.stderr, "[boot 1.0 ms] booted\n[boot] shut down cleanly\n");
  });

  it("refuses a second JSON document", () => {
    const { output } = captured(true);
    output.json({ first: true });
    assert.throws(() => output.json({ second: true }), /second JSON document/);
  });

  it("refuses a value with no JSON form", () => {
    const { output } = captured(true);
    assert.throws(() => output.json({ big: 1n }));
  });
});

/** The compiled CLI's folder (dist/src/cli) and its JavaScript files, from dist/test/cli. */
const cliDir = fileURLToPath(new URL("../../src/cli/", import.meta.url));

function javaScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return javaScriptFiles(path);
    return entry.name.endsWith(".js") ? [path] : [];
  });
}

describe("the CLI's files", () => {
  it("write to standard output only through output.js", () => {
    const files = javaScriptFiles(cliDir);
    assert.ok(files.length > 10, `found ${files.length} files under ${cliDir}`);
    const writers = files.filter(
      (file) =>
        !file.endsWith(`${join("cli", "output.js")}`) &&
        /process\.stdout|console\.log/.test(readFileSync(file, "utf8")),
    );
    assert.deepEqual(writers, []);
  });
});
