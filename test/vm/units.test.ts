// Unit tests of the virtual-memory building blocks: rights, replica, TLB, physical memory, messages.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { shootdownTypeBase } from "../../src/cpu-driver/message-types.js";
import { pageBytes } from "../../src/limits.js";
import {
  PageTable,
  PhysicalMemory,
  rightExecute,
  rightRead,
  rightsAll,
  rightWrite,
  Tlb,
  VmError,
} from "../../src/vm/index.js";
import { formatRights, rightsAllow, rightsEscalate } from "../../src/vm/rights.js";
import {
  decodeAck,
  decodeReply,
  decodeRequest,
  decodeUpdate,
  OpKind,
  ReplyStatus,
  ShootdownEncoder,
  shootdownAckType,
  shootdownUpdateType,
} from "../../src/vm/shootdown-messages.js";
import { packageTree, routesOf, validateTree } from "../../src/vm/shootdown-routes.js";
import { packagesOf } from "./harness.js";

describe("vm units", () => {
  it("rights: escalation, allow, format", () => {
    assert.equal(rightsEscalate(rightRead | rightWrite, rightRead), false);
    assert.equal(rightsEscalate(rightRead, rightRead | rightWrite), true);
    assert.equal(rightsAllow(rightRead | rightExecute, rightExecute), true);
    assert.equal(rightsAllow(rightRead, rightWrite), false);
    assert.equal(formatRights(rightRead | rightExecute), "r-x");
    assert.equal(formatRights(rightsAll), "rwx");
  });

  it("page table: map, protect intersects, unmap counts", () => {
    const table = new PageTable();
    table.map(10, 3, 100, rightsAll, 1);
    assert.deepEqual(table.lookup(12), { frame: 102, rights: rightsAll, seq: 1 });
    assert.throws(() => table.map(12, 1, 0, rightRead, 2), /over a mapped page/);
    assert.equal(table.protect(11, 5, rightRead | rightWrite, 2), 2);
    assert.equal(table.lookup(11)!.rights, rightRead | rightWrite);
    assert.equal(table.protect(11, 1, rightRead | rightExecute, 3), 1);
    assert.equal(table.lookup(11)!.rights, rightRead);
    assert.equal(table.unmap(9, 3), 2);
    assert.deepEqual(table.snapshot(), [[12, 102, rightRead | rightWrite]]);
  });

  it("TLB: bounded, least recently used evicted, invalidates a range", () => {
    const tlb = new Tlb(3);
    const entry = (frame: number) => ({ frame, rights: rightRead, seq: 1 });
    tlb.insert(1, entry(1));
    tlb.insert(2, entry(2));
    tlb.insert(3, entry(3));
    assert.ok(tlb.lookup(1));
    tlb.insert(4, entry(4));
    assert.equal(tlb.size, 3);
    assert.equal(tlb.lookup(2), undefined, "2 was the least recently used");
    assert.equal(tlb.evictions, 1);
    assert.equal(tlb.invalidate(3, 10), 2);
    assert.deepEqual(
      tlb.cached().map(([p]) => p),
      [1],
    );
    assert.equal(tlb.hits, 1);
    assert.equal(tlb.misses, 1);
  });

  it("physical memory: disjoint ranges per core, real shared bytes, clear errors", () => {
    const buffer = new SharedArrayBuffer(8 * pageBytes);
    const m0 = new PhysicalMemory(buffer, [0, 1], 0);
    const m1 = new PhysicalMemory(buffer, [0, 1], 1);
    const a = [m0.allocFrame(), m0.allocFrame()];
    const b = [m1.allocFrame(), m1.allocFrame()];
    assert.deepEqual(a, [0, 1]);
    assert.deepEqual(b, [4, 5]);
    m0.frameBytes(5)[7] = 42;
    assert.equal(m1.frameBytes(5)[7], 42);
    assert.equal(new Uint8Array(buffer)[5 * pageBytes + 7], 42);
    m0.allocFrame();
    m0.allocFrame();
    assert.throws(() => m0.allocFrame(), /core 0 has no free frame/);
    assert.throws(() => m0.freeFrame(4), /not of its range/);
    m0.freeFrame(1);
    assert.throws(() => m0.freeFrame(1), /freed twice/);
    assert.throws(
      () => m0.frameBytes(8),
      (e: unknown) => e instanceof VmError && e.code === "bad-frame",
    );
    assert.throws(() => new PhysicalMemory(new SharedArrayBuffer(100), [0], 0), /not whole 4096-byte frames/);
  });

  it("messages round-trip through the hand encoding", () => {
    const encoder = new ShootdownEncoder();
    const request = {
      requestId: 7,
      kind: OpKind.protect,
      rights: 5,
      vaddrPage: 0xfffff,
      pageCount: 3,
      frame: 9,
    };
    assert.deepEqual(decodeRequest(encoder.bytes, encoder.request(request)), request);
    const update = {
      seq: 0xfffffffe,
      initiator: 15,
      kind: OpKind.map,
      rights: 3,
      vaddrPage: 1,
      pageCount: 2,
      frame: 4,
    };
    assert.deepEqual(decodeUpdate(encoder.bytes, encoder.update(update)), update);
    assert.deepEqual(decodeAck(encoder.bytes, encoder.ack({ seq: 3, count: 15 })), { seq: 3, count: 15 });
    const reply = { requestId: 1, status: ReplyStatus.alreadyMapped, seq: 0 };
    assert.deepEqual(decodeReply(encoder.bytes, encoder.reply(reply)), reply);
    assert.throws(() => decodeAck(encoder.bytes, 5), /5 bytes, expected 8/);
    assert.equal(shootdownUpdateType, shootdownTypeBase + 1);
    assert.equal(shootdownAckType, shootdownTypeBase + 2);
  });

  it("routes: package trees reach every core once; bad trees are refused", () => {
    const cores = Array.from({ length: 16 }, (_, i) => i);
    const packages = packagesOf(cores, 4);
    const tree = packageTree(packages, 6);
    validateTree(tree, 6, cores);
    const routes = routesOf(tree);
    assert.deepEqual(routes.get(6)!.children, [0, 8, 12, 4, 5, 7]);
    assert.equal(routes.get(9)!.parent, 8);
    assert.throws(() => validateTree({ core: 0, children: [] }, 0, cores), /misses cores 1,2/);
    assert.throws(
      () => validateTree({ core: 0, children: [{ core: 0, children: [] }] }, 0, [0]),
      /reaches core 0 twice/,
    );
    assert.throws(() => validateTree(tree, 0, cores), /rooted at core 6, expected 0/);
  });
});
