// Tests of bench/floor.ts: a result where a C compiler exists, null with a reason where none does,
// and the private cache: a symbolic link in place of the cache directory, a cache directory others
// may enter, and a cached binary others may write are each refused (the floor is unavailable, the
// reason says what was wrong, and nothing found there runs); a good cache is created mode 0700.
import assert from "node:assert/strict";
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  floorCachePaths,
  measureFloor,
  measureFloorOutcome,
  nativeSourcePath,
  parseFloorLine,
} from "../../src/bench/floor.js";

/** The smallest floor run: enough to see it work, too short to time anything. */
const tinyRun = { batches: 1, roundsPerBatch: 1 } as const;

/** A program that, if it ever ran, would leave a mark beside it and print a plausible floor. */
function plantedProgram(markPath: string): string {
  return `#!/bin/sh\ntouch '${markPath}'\necho '{"oneWayNsMedian":1,"oneWayNsP99":1,"rounds":1,"batches":1}'\n`;
}

async function withCacheRoot(body: (cacheRoot: string) => Promise<void>): Promise<void> {
  const cacheRoot = await mkdtemp(join(tmpdir(), "multikernel-floor-test-"));
  try {
    await body(cacheRoot);
  } finally {
    await rm(cacheRoot, { recursive: true, force: true });
  }
}

async function cachePaths(cacheRoot: string) {
  return floorCachePaths(await readFile(nativeSourcePath()), "cc", cacheRoot);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

test("the floor is a result or null with a reason", async () => {
  const outcome = await measureFloorOutcome({ batches: 20, roundsPerBatch: 200 });
  if (outcome.result === null) {
    assert.ok(outcome.reason.length > 0, "a null floor says why");
  } else {
    const r = outcome.result;
    assert.ok(r.oneWayNsMedian > 0 && r.oneWayNsP99 >= r.oneWayNsMedian, JSON.stringify(r));
    assert.equal(r.rounds, 20 * 200);
    assert.equal(r.batches, 20);
  }
});

test("without a compiler the floor is null, and the reason names the compiler", async () => {
  const cacheRoot = await mkdtemp(join(tmpdir(), "multikernel-floor-test-"));
  try {
    let reason = "";
    const result = await measureFloor({ compiler: "no-such-cc-multikernel", cacheRoot }, (why) => {
      reason = why;
    });
    assert.equal(result, null);
    assert.match(reason, /no-such-cc-multikernel/);
  } finally {
    await rm(cacheRoot, { recursive: true, force: true });
  }
});

test("out-of-range options are refused before anything runs", async () => {
  await assert.rejects(measureFloorOutcome({ batches: 0 }), RangeError);
  await assert.rejects(measureFloorOutcome({ roundsPerBatch: 1e9 }), RangeError);
});

test("parseFloorLine takes the last line and checks its fields", () => {
  const ok = parseFloorLine(
    'warming up\n{"oneWayNsMedian":98.5,"oneWayNsP99":120,"rounds":1000,"batches":1}\n',
  );
  assert.deepEqual(ok, { oneWayNsMedian: 98.5, oneWayNsP99: 120, rounds: 1000, batches: 1 });
  assert.equal(typeof parseFloorLine("garbage"), "string");
  assert.equal(typeof parseFloorLine('{"oneWayNsMedian":"fast"}'), "string");
});

test("a symbolic link in place of the cache directory is refused, and nothing in it runs", async () => {
  await withCacheRoot(async (cacheRoot) => {
    const { dir, binaryPath } = await cachePaths(cacheRoot);
    const elsewhere = join(cacheRoot, "elsewhere");
    await mkdir(elsewhere, { mode: 0o700 });
    const mark = join(cacheRoot, "ran");
    await writeFile(join(elsewhere, binaryPath.slice(dir.length + 1)), plantedProgram(mark), { mode: 0o700 });
    await symlink(elsewhere, dir);
    const outcome = await measureFloorOutcome({ ...tinyRun, cacheRoot });
    assert.equal(outcome.result, null);
    assert.match(
      outcome.result === null ? outcome.reason : "",
      /is a symbolic link, not a private directory/,
    );
    assert.equal(await exists(mark), false, "the planted program did not run");
  });
});

test("a cache directory with mode 0777 is refused, and nothing in it runs", async () => {
  await withCacheRoot(async (cacheRoot) => {
    const { dir, binaryPath } = await cachePaths(cacheRoot);
    await mkdir(dir);
    await chmod(dir, 0o777);
    const mark = join(cacheRoot, "ran");
    await writeFile(binaryPath, plantedProgram(mark), { mode: 0o700 });
    const outcome = await measureFloorOutcome({ ...tinyRun, cacheRoot });
    assert.equal(outcome.result, null);
    assert.match(outcome.result === null ? outcome.reason : "", /mode 0777 gives group or others access/);
    assert.equal(await exists(mark), false, "the planted program did not run");
  });
});

test("a cached binary that group or others may write is refused, and does not run", async () => {
  await withCacheRoot(async (cacheRoot) => {
    const { dir, binaryPath } = await cachePaths(cacheRoot);
    await mkdir(dir, { mode: 0o700 });
    const mark = join(cacheRoot, "ran");
    await writeFile(binaryPath, plantedProgram(mark));
    await chmod(binaryPath, 0o722);
    const outcome = await measureFloorOutcome({ ...tinyRun, cacheRoot });
    assert.equal(outcome.result, null);
    assert.match(outcome.result === null ? outcome.reason : "", /mode 0722 lets group or others write it/);
    assert.equal(await exists(mark), false, "the planted program did not run");
  });
});

test("a good cache: created mode 0700, the binary the user's own, a floor measured", async () => {
  await withCacheRoot(async (cacheRoot) => {
    const outcome = await measureFloorOutcome({ ...tinyRun, cacheRoot });
    if (outcome.result === null) {
      // No compiler here: the reason says so; the cache directory was still made private.
      assert.match(outcome.reason, /compil/);
    } else {
      assert.equal(outcome.result.rounds, 1);
      const { binaryPath } = await cachePaths(cacheRoot);
      const binary = await lstat(binaryPath);
      assert.ok(binary.isFile() && (binary.mode & 0o022) === 0, `binary mode ${binary.mode.toString(8)}`);
      // The second run uses the cached binary, checked again.
      assert.notEqual((await measureFloorOutcome({ ...tinyRun, cacheRoot })).result, null);
    }
    const { dir } = await cachePaths(cacheRoot);
    const stats = await lstat(dir);
    assert.ok(stats.isDirectory() && !stats.isSymbolicLink());
    assert.equal(stats.mode & 0o777, 0o700);
  });
});
