// Tests of when a core starts from its bundle (src/platform/real/core-bundle.ts): the bundle this
// build made is current, and so is one whose module was written again with the same content; a
// bundle with no manifest, an unreadable one, one listing nothing, one holding a module that is
// gone or changed after it was built is not used, and says why.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { bundleStaleness, coreEntry } from "../../src/platform/real/core-bundle.js";

describe("core bundle: used only while it stands for the modules", () => {
  const root = mkdtempSync(join(tmpdir(), "multikernel-bundle-test-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const library = join(root, "src");
  const bundle = join(root, "bundle");
  mkdirSync(join(library, "a"), { recursive: true });
  mkdirSync(bundle);
  const libraryUrl = new URL(`${pathToFileURL(library).href}/`);
  const bundleUrl = new URL(`${pathToFileURL(bundle).href}/`);
  const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);
  const writeManifest = (text: string, seconds: number) => {
    writeFileSync(join(bundle, "manifest.json"), text);
    at(join(bundle, "manifest.json"), seconds);
  };
  writeFileSync(join(library, "a", "one.js"), "export const one = 1;\n");
  writeFileSync(join(library, "two.js"), "export const two = 2;\n");
  at(join(library, "a", "one.js"), 1000);
  at(join(library, "two.js"), 1000);
  const stale = () => bundleStaleness(bundleUrl, libraryUrl);
  const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

  it("this build's bundle is current, and a boot starts from it", () => {
    const entry = coreEntry(true);
    assert.equal(entry.reason, undefined);
    assert.equal(entry.bundled, true);
    assert.match(entry.url.pathname, /platform\/core-bundle\/core-entry\.js$/);
  });

  it("the modules when the boot asks for them", () => {
    const entry = coreEntry(false);
    assert.equal(entry.bundled, false);
    assert.match(entry.url.pathname, /platform\/real\/core-entry\.js$/);
  });

  it("no manifest: not used, and npm run build named", () => {
    assert.match(stale() ?? "", /no core bundle at .*npm run build/);
    const entry = coreEntry(true, bundleUrl, libraryUrl);
    assert.equal(entry.bundled, false);
    assert.match(entry.url.href, /platform\/real\/core-entry\.js$/);
  });

  it("an unreadable manifest, or one listing nothing: not used", () => {
    writeManifest("{ not json", 2000);
    assert.match(stale() ?? "", /manifest is unreadable/);
    writeManifest(JSON.stringify({ inputs: [] }), 2000);
    assert.match(stale() ?? "", /lists no modules/);
  });

  it("current when built after every module it holds", () => {
    writeManifest(JSON.stringify({ inputs: ["a/one.js", "two.js"] }), 2000);
    assert.equal(stale(), undefined);
    const entry = coreEntry(true, bundleUrl, libraryUrl);
    assert.deepEqual([entry.bundled, entry.url.href], [true, new URL("core-entry.js", bundleUrl).href]);
  });

  it("a module written after the bundle with the same content: still current", () => {
    const hashes = { "two.js": sha256("export const two = 2;\n") };
    writeManifest(JSON.stringify({ inputs: ["a/one.js", "two.js"], hashes }), 2000);
    at(join(library, "two.js"), 3000);
    assert.equal(stale(), undefined);
    at(join(library, "two.js"), 1000);
  });

  it("a module changed after the bundle, or gone: not used, naming it", () => {
    writeManifest(JSON.stringify({ inputs: ["a/one.js", "two.js"] }), 2000);
    at(join(library, "two.js"), 3000);
    assert.match(stale() ?? "", /^two\.js changed after the core bundle was built/);
    // With its hash in the manifest, a module written later with other content is still stale.
    writeManifest(
      JSON.stringify({ inputs: ["a/one.js", "two.js"], hashes: { "two.js": sha256("other") } }),
      2000,
    );
    assert.match(stale() ?? "", /^two\.js changed after the core bundle was built/);
    at(join(library, "two.js"), 1000);
    writeManifest(JSON.stringify({ inputs: ["a/one.js", "three.js"] }), 2000);
    assert.match(stale() ?? "", /holds three\.js, which is gone/);
  });
});
