import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { LatencyMatrix } from "../../src/skb/latency.js";
import { SystemKnowledgeBase } from "../../src/skb/skb.js";
import type { MulticastNode } from "../../src/skb/types.js";
import { flatMatrix, fourPackageMatrix, noisyMatrix, smtMatrix } from "./synthetic.js";

function coresOf(node: MulticastNode): number[] {
  return [node.core, ...node.children.flatMap(coresOf)];
}

/** Four packages of four; package p's core 4p+3 is closest to the others (its interconnect port). */
function portMatrix(): LatencyMatrix {
  return LatencyMatrix.fromFunction(16, (a, b) => {
    const p = a >> 2;
    const q = b >> 2;
    if (p === q) return 50;
    const base = 100 * (1 + ((p + q) % 3));
    return base - (a % 4 === 3 ? 10 : 0) - (b % 4 === 3 ? 10 : 0);
  });
}

describe("SystemKnowledgeBase", () => {
  it("answers distances, packages and packageOf", () => {
    const skb = new SystemKnowledgeBase(undefined, portMatrix());
    assert.equal(skb.distanceNs(0, 1), 50);
    assert.equal(skb.distanceNs(3, 3), 0);
    assert.equal(skb.packages().length, 4);
    assert.deepEqual(
      skb.packages().map((p) => p.leader),
      [3, 7, 11, 15],
    );
    assert.deepEqual(skb.packageOf(9), { id: 2, leader: 11, cores: [8, 9, 10, 11] });
    assert.throws(() => skb.distanceNs(0, 16), RangeError);
    assert.throws(() => skb.packageOf(-1), RangeError);
  });

  it("builds the NUMA-aware tree: remote leaders farthest first, then the root's own package", () => {
    const skb = new SystemKnowledgeBase(undefined, portMatrix());
    const tree = skb.multicastTree(0);
    // From core 0 (package 0): package 2 is 300 ns away less port, package 1 200, package 3 100.
    assert.deepEqual(
      tree.children.map((c) => c.core),
      [11, 7, 15, 1, 2, 3],
    );
    const leader11 = tree.children[0]!;
    assert.deepEqual(
      leader11.children.map((c) => c.core),
      [8, 9, 10],
    );
    assert.deepEqual(
      coresOf(tree).sort((a, b) => a - b),
      Array.from({ length: 16 }, (_, c) => c),
    );
  });

  it("restricts the tree to a subset, choosing leaders within it", () => {
    const skb = new SystemKnowledgeBase(undefined, portMatrix());
    const tree = skb.multicastTree(5, [0, 1, 8, 9, 10, 5, 6]);
    assert.deepEqual(
      coresOf(tree).sort((a, b) => a - b),
      [0, 1, 5, 6, 8, 9, 10],
    );
    // Package 0 is 200 ns from package 1 (farthest), package 2 is 100 ns; then core 6, local. Package 2's
    // port core 11 is not in the subset, so its leader is the lowest of 8, 9, 10 (all equally placed).
    assert.deepEqual(
      tree.children.map((c) => c.core),
      [0, 8, 6],
    );
    assert.deepEqual(
      tree.children[1]!.children.map((c) => c.core),
      [9, 10],
    );
    assert.deepEqual(skb.multicastTree(4, []), { core: 4, children: [] });
  });

  it("on the SMT VM sends one message per sibling pair", () => {
    const skb = new SystemKnowledgeBase(undefined, smtMatrix(4));
    const tree = skb.multicastTree(0);
    assert.equal(tree.children.length, 8);
    assert.equal(tree.children.at(-1)!.core, 8);
    for (const child of tree.children.slice(0, 7)) assert.equal(child.children.length, 1);
  });

  it("orders unicast farthest first", () => {
    const skb = new SystemKnowledgeBase(undefined, portMatrix());
    const order = skb.unicastOrder(0);
    assert.equal(order.length, 15);
    for (let i = 1; i < order.length; i++) {
      assert.ok(skb.distanceNs(0, order[i - 1]!) >= skb.distanceNs(0, order[i]!));
    }
    assert.deepEqual(skb.unicastOrder(0, [1, 2, 0]), [1, 2]);
  });

  it("prints as JSON", () => {
    const skb = new SystemKnowledgeBase(undefined, flatMatrix(1, 3));
    const json = JSON.parse(JSON.stringify(skb));
    assert.equal(json.cores, 3);
    assert.equal(json.source, "flat");
    assert.equal(json.packages.length, 1);
    assert.equal(json.roundTripsNs.length, 3);
  });

  it("multicast trees: every core once, bounded root fan-out, leaders farthest first", () => {
    const matrices = fc.oneof(
      fc.integer({ min: 0, max: 1000 }).map((seed) => smtMatrix(seed)),
      fc.integer({ min: 0, max: 1000 }).map((seed) => fourPackageMatrix(seed)),
      fc.integer({ min: 0, max: 1000 }).map((seed) => flatMatrix(seed)),
      fc
        .tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 1000 }))
        .map(([size, seed]) => noisyMatrix(size, (a, b) => (((a ^ b) & 4) === 0 ? 60 : 240), 20, seed)),
    );
    fc.assert(
      fc.property(
        matrices,
        fc.nat(),
        fc.option(fc.uniqueArray(fc.nat({ max: 31 }), { maxLength: 20 }), { nil: undefined }),
        (matrix, rootSeed, subset) => {
          const skb = new SystemKnowledgeBase(undefined, matrix);
          const root = rootSeed % skb.coreCount;
          const cores = subset?.filter((c) => c < skb.coreCount);
          const tree = skb.multicastTree(root, cores);
          const expected = [
            ...new Set([root, ...(cores ?? Array.from({ length: skb.coreCount }, (_, c) => c))]),
          ];
          const covered = coresOf(tree);
          assert.equal(covered.length, expected.length, "every core exactly once");
          assert.deepEqual(
            covered.sort((a, b) => a - b),
            expected.sort((a, b) => a - b),
          );
          const own = skb.packageOf(root);
          const otherPackages = skb.packages().length - 1;
          assert.ok(tree.children.length <= otherPackages + own.cores.length - 1);
          const remote = tree.children.filter((c) => skb.packageOf(c.core).id !== own.id);
          for (let i = 1; i < remote.length; i++) {
            assert.ok(skb.distanceNs(root, remote[i - 1]!.core) >= skb.distanceNs(root, remote[i]!.core));
          }
          // Remote leaders come before the root's own package, and each package is reached once.
          const firstLocal = tree.children.findIndex((c) => skb.packageOf(c.core).id === own.id);
          if (firstLocal >= 0) assert.equal(firstLocal, remote.length);
          assert.equal(new Set(remote.map((c) => skb.packageOf(c.core).id)).size, remote.length);
          for (const leader of remote) {
            for (const child of leader.children) {
              assert.equal(skb.packageOf(child.core).id, skb.packageOf(leader.core).id);
              assert.equal(child.children.length, 0);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
