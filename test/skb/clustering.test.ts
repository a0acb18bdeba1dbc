import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { clusterCores } from "../../src/skb/clustering.js";
import { LatencyMatrix } from "../../src/skb/latency.js";
import type { HostTopology } from "../../src/skb/topology.js";
import { flatMatrix, fourPackageMatrix, noisyMatrix, smtMatrix } from "./synthetic.js";

const smtPairs = Array.from({ length: 8 }, (_, c) => [c, c + 8]);
const fourPackages = [0, 4, 8, 12].map((first) => [first, first + 1, first + 2, first + 3]);

/** A VM's sysfs: one socket, one L3 shared by all. */
function flatTopology(size: number): HostTopology {
  const all = Array.from({ length: size }, (_, c) => c);
  return { cpus: all.map((cpu) => ({ cpu, packageId: 0, llcLevel: 3, llcSharedCpus: all })) };
}

describe("clustering", () => {
  it("finds the hidden SMT siblings of a flat 16-vCPU VM", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const result = clusterCores(smtMatrix(seed), flatTopology(16));
      assert.equal(result.source, "measured", `seed ${seed}`);
      assert.deepEqual(result.groups, smtPairs, `seed ${seed}`);
      assert.ok(result.gap !== undefined && result.gap.belowNs < 120 && result.gap.aboveNs > 170);
      assert.match(result.reason, /one flat group/);
    }
  });

  it("finds the SMT siblings without any topology, and despite one slow outlier pair", () => {
    const rows = smtMatrix(7).toRows();
    rows[2]![5] = 2000;
    const result = clusterCores(LatencyMatrix.fromRows(rows));
    assert.equal(result.source, "measured");
    assert.deepEqual(result.groups, smtPairs);
    assert.match(result.reason, /no shared caches/);
  });

  it("finds four packages in a measured 4×4 matrix", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const result = clusterCores(fourPackageMatrix(seed));
      assert.equal(result.source, "measured");
      assert.deepEqual(result.groups, fourPackages);
    }
  });

  it("never splits a flat matrix with only noise", () => {
    for (let seed = 1; seed <= 100; seed++) {
      const result = clusterCores(flatMatrix(seed), flatTopology(16));
      assert.equal(result.source, "flat", `seed ${seed}`);
      assert.equal(result.groups.length, 1);
      assert.equal(result.groups[0]!.length, 16);
    }
    assert.equal(clusterCores(LatencyMatrix.fromRows([[0]])).source, "flat");
    assert.equal(clusterCores(flatMatrix(3, 2)).source, "flat");
  });

  it("uses the reported shared caches when there are several", () => {
    const topology: HostTopology = {
      cpus: Array.from({ length: 8 }, (_, cpu) => ({
        cpu,
        llcSharedCpus: cpu < 4 ? [0, 1, 2, 3] : [4, 5, 6, 7],
      })),
    };
    // The measurements say otherwise (SMT-like pairs); the OS's facts win.
    const matrix = noisyMatrix(8, (a, b) => (Math.abs(a - b) === 4 ? 100 : 190), 5, 3);
    const result = clusterCores(matrix, topology);
    assert.equal(result.source, "sysfs");
    assert.deepEqual(result.groups, [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
    ]);
  });

  it("falls back to package ids where caches are unknown, and to measurements where a core is unknown", () => {
    const byPackage: HostTopology = {
      cpus: Array.from({ length: 4 }, (_, cpu) => ({ cpu, packageId: cpu % 2 })),
    };
    const matrix = flatMatrix(1, 4);
    assert.deepEqual(clusterCores(matrix, byPackage).groups, [
      [0, 2],
      [1, 3],
    ]);
    const partial: HostTopology = { cpus: byPackage.cpus.slice(0, 3) };
    assert.equal(clusterCores(matrix, partial).source, "flat");
  });

  it("always partitions the cores, deterministically", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 6 }),
        (size, seed, classes) => {
          const matrix = noisyMatrix(size, (a, b) => 100 * (1 + ((a * 7 + b * 7) % classes)), 10, seed);
          const first = clusterCores(matrix);
          const again = clusterCores(matrix);
          assert.deepEqual(first, again);
          const seen = first.groups.flat().sort((a, b) => a - b);
          assert.deepEqual(
            seen,
            Array.from({ length: size }, (_, c) => c),
          );
          for (const group of first.groups)
            assert.deepEqual(
              group,
              [...group].sort((a, b) => a - b),
            );
        },
      ),
    );
  });
});
