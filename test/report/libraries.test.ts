// The charting libraries report inlines: read when installed, and a clear error naming the install
// command when one is missing (they are optional peer dependencies of the package).
import assert from "node:assert/strict";
import { test } from "node:test";
import { chartInstallCommand, readChartLibraries, readLibrary } from "../../src/report/libraries.js";

test("the three charting libraries are read with their versions", () => {
  const libraries = readChartLibraries();
  assert.deepEqual(
    libraries.map((library) => library.name),
    ["vega", "vega-lite", "vega-embed"],
  );
  for (const library of libraries) {
    assert.match(library.version, /^\d+\.\d+\.\d+/);
    assert.ok(library.source.length > 10_000, `${library.name}'s build is read whole`);
  }
});

test("a missing charting library names itself and the command that installs all three", () => {
  assert.throws(
    () => readLibrary("vega-not-installed"),
    (error: Error) =>
      error.message.includes("vega-not-installed is not installed") &&
      error.message.includes(chartInstallCommand()),
  );
  assert.match(chartInstallCommand(), /^npm install vega@\S+ vega-lite@\S+ vega-embed@\S+$/);
});
