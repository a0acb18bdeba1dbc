// Tests of reading a machine file the user names (`--machine FILE`): only a regular file within
// simMachineFileBytesMax is read. A FIFO (which would block the open until a writer came), a
// symbolic link to /dev/zero (no size to check, endless to read), a directory and an oversized
// file are each refused at once with an error naming the file and what was wrong. Each test is
// bounded, so that a reader that blocks fails instead of stalling the suite.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { simMachineFileBytesMax } from "../../src/limits.js";
import { loadMachine, MachineError } from "../../src/platform/sim/machine.js";

/** Bound on one test: each reads one small file or refuses one. */
const fileTestTimeoutMs = 10_000;

describe("machine files: regular files within the size bound only", () => {
  const dir = mkdtempSync(join(tmpdir(), "mk-machine-file-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function refused(path: string, pattern: RegExp): void {
    assert.throws(
      () => loadMachine(path),
      (e: unknown) => e instanceof MachineError && e.message.includes(path) && pattern.test(e.message),
    );
  }

  it("a FIFO is refused, not waited on", { timeout: fileTestTimeoutMs }, () => {
    const path = join(dir, "fifo.json");
    execFileSync("mkfifo", [path]);
    refused(path, /is a FIFO \(named pipe\), not a regular file/);
  });

  it("a symbolic link to /dev/zero is refused, not read", { timeout: fileTestTimeoutMs }, () => {
    const path = join(dir, "zero.json");
    symlinkSync("/dev/zero", path);
    refused(path, /is a character device, not a regular file/);
  });

  it("a directory is refused", { timeout: fileTestTimeoutMs }, () => {
    const path = join(dir, "folder.json");
    mkdirSync(path);
    refused(path, /is a directory, not a regular file/);
  });

  it("a file over the bound is refused, naming its size and the bound", {
    timeout: fileTestTimeoutMs,
  }, () => {
    const path = join(dir, "big.json");
    writeFileSync(path, " ".repeat(simMachineFileBytesMax + 1));
    refused(
      path,
      new RegExp(`file is ${simMachineFileBytesMax + 1} bytes, at most ${simMachineFileBytesMax}`),
    );
  });

  it("a symbolic link to a regular machine file is read", { timeout: fileTestTimeoutMs }, () => {
    const target = join(dir, "tiny.json");
    writeFileSync(target, " ".repeat(simMachineFileBytesMax));
    const path = join(dir, "link.json");
    symlinkSync(target, path);
    // A file exactly at the bound is read (and then fails as JSON, which shows it was read).
    assert.throws(() => loadMachine(path), /invalid JSON/);
  });
});
