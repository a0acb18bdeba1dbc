// Tests that a domain shares the library with its core (src/platform/program/library-redirect.ts):
// the test domain binds to a service nobody exports and checks that the core's BindError is the
// class it imported. It runs from its TypeScript source (which imports the library's sources) and
// compiled (which imports the built modules), on cores started from their bundle and from their
// modules: four ways a second copy of the library could load. And the redirect itself, case by case.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type LibraryRedirect, redirectLibraryUrl } from "../../src/platform/program/library-redirect.js";
import { domain, useBootedSystem } from "./booted-system.js";

/** Bound on one test: one domain on a booted system. */
const identityTestTimeoutMs = 60_000;
/** The test domain from its TypeScript source, and compiled. */
const programs = {
  source: fileURLToPath(new URL("../../../test/platform/domains/library-identity.ts", import.meta.url)),
  compiled: domain("library-identity"),
};

for (const bundledCore of [true, false]) {
  describe(`a domain shares the library with its core (${bundledCore ? "bundled" : "modules"})`, () => {
    const booted = useBootedSystem(2, { bundledCore });
    for (const [form, program] of Object.entries(programs)) {
      it(`a ${form} domain gets the core's classes`, { timeout: identityTestTimeoutMs }, async () => {
        const result = await booted.system.run(program, [0, 1]);
        assert.deepEqual(
          result.exits.map((exit) => exit.error),
          ["", ""],
        );
        assert.equal(result.status, 0);
      });
    }
  });
}

describe("library redirect: where an import of the library goes", () => {
  const root = "file:///home/me/multikernel/";
  const modules: LibraryRedirect = { libraryUrl: `${root}dist/src/`, sourceUrl: `${root}src/` };
  const bundled: LibraryRedirect = {
    ...modules,
    facadesUrl: `${root}dist/src/platform/core-bundle/facades/`,
    facades: ["limits.js", "monitor/binding.js"],
  };
  const built = new Set([`${root}dist/src/limits.js`, `${root}dist/src/vm/index.js`]);
  const exists = (url: string) => built.has(url);
  /** A domain's own file, importing. */
  const program = `${root}examples/kv-store.ts`;
  const goFrom = (parentUrl: string | undefined, url: string, redirect: LibraryRedirect) =>
    redirectLibraryUrl(url, parentUrl, redirect, new Set(redirect.facades ?? []), exists);
  const go = (url: string, redirect: LibraryRedirect) => goFrom(program, url, redirect);

  it("sends a library source to its built module, and a user's file nowhere", () => {
    assert.equal(go(`${root}src/vm/index.ts`, modules), `${root}dist/src/vm/index.js`);
    assert.equal(go(`${root}dist/src/vm/index.js`, modules), `${root}dist/src/vm/index.js`);
    assert.equal(go(`${root}examples/kv-store.ts`, modules), `${root}examples/kv-store.ts`);
    assert.equal(go("file:///home/me/app/main.ts", modules), "file:///home/me/app/main.ts");
    assert.equal(go("node:fs", modules), "node:fs");
  });

  it("loads a program named by its library source as named, not its built copy", () => {
    const loader = `${root}dist/src/platform/program/program-loader.js`;
    const bundledLoader = `${root}dist/src/platform/core-bundle/chunk-ABC.js`;
    assert.equal(goFrom(loader, `${root}src/vm/index.ts`, modules), `${root}src/vm/index.ts`);
    assert.equal(goFrom(bundledLoader, `${root}src/vm/index.ts`, bundled), `${root}src/vm/index.ts`);
    assert.equal(goFrom(undefined, `${root}src/vm/index.ts`, modules), `${root}src/vm/index.ts`);
    assert.equal(
      goFrom(`${root}src/vm/index.ts`, `${root}src/limits.ts`, bundled),
      `${root}dist/src/platform/core-bundle/facades/limits.js`,
    );
  });

  it("leaves a source with no built module where it is", () => {
    assert.equal(go(`${root}src/new-module.ts`, modules), `${root}src/new-module.ts`);
  });

  it("sends a bundled module, built or from its source, to its facade", () => {
    const facade = `${root}dist/src/platform/core-bundle/facades/limits.js`;
    assert.equal(go(`${root}dist/src/limits.js`, bundled), facade);
    assert.equal(go(`${root}src/limits.ts`, bundled), facade);
    assert.equal(go(`${root}dist/src/vm/index.js`, bundled), `${root}dist/src/vm/index.js`);
    assert.equal(go(`${root}src/vm/index.ts`, bundled), `${root}dist/src/vm/index.js`);
  });
});
