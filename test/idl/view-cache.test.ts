// Tests of ViewCache, the dispatcher's table of DataViews: each buffer gets a view over exactly its
// memory, the same view every time, also when buffers that share a table entry alternate.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ViewCache } from "../../src/idl/view-cache.js";
import { cacheLineBytes } from "../../src/limits.js";

describe("idl: the dispatcher's views", () => {
  it("gives each buffer one view over its own memory, whichever entry it shares", () => {
    const memory = new SharedArrayBuffer(cacheLineBytes * 256);
    // Slots one line apart take consecutive entries; slots 64 lines apart share one.
    const buffers = [0, 1, 64, 128, 65].map((line) => new Uint8Array(memory, line * cacheLineBytes, 60));
    buffers.forEach((bytes, i) => {
      bytes[0] = i;
    });
    const cache = new ViewCache();
    const first = buffers.map((bytes) => cache.viewOf(bytes));
    for (let lap = 0; lap < 3; lap++) {
      buffers.forEach((bytes, i) => {
        const view = cache.viewOf(bytes);
        assert.equal(view, first[i]);
        assert.equal(view.byteOffset, bytes.byteOffset);
        assert.equal(view.byteLength, bytes.byteLength);
        assert.equal(view.getUint8(0), i);
      });
    }
    const plain = new Uint8Array(16);
    assert.equal(cache.viewOf(plain).buffer, plain.buffer);
  });
});
