import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatLatencyMatrix, formatMulticastTree, formatPackages, formatSkb } from "../../src/skb/format.js";
import { LatencyMatrix } from "../../src/skb/latency.js";
import { describeHostMachine, medianNs } from "../../src/skb/model.js";
import { SystemKnowledgeBase } from "../../src/skb/skb.js";
import { smtMatrix } from "./synthetic.js";

/** Two packages of four: 60 ns within, 190.4 ns between. */
const twoByFour = LatencyMatrix.fromFunction(8, (a, b) => (a >> 2 === b >> 2 ? 60 : 190.4));

describe("SKB text renderings", () => {
  it("prints the matrix as an aligned table of whole ns", () => {
    const text = formatLatencyMatrix(
      LatencyMatrix.fromRows([
        [0, 99.6, 1000],
        [99.6, 0, 5],
        [1000, 5, 0],
      ]),
    );
    assert.equal(
      text,
      [
        "ns |    0    1    2",
        "---+---------------",
        " 0 |    -  100 1000",
        " 1 |  100    -    5",
        " 2 | 1000    5    -",
      ].join("\n"),
    );
  });

  it("prints packages and the tree", () => {
    const skb = new SystemKnowledgeBase(undefined, twoByFour);
    assert.equal(
      formatPackages(skb.packages()),
      "package 0: leader 0, cores 0-3 (4)\npackage 1: leader 4, cores 4-7 (4)",
    );
    const tree = formatMulticastTree(skb.multicastTree(0), (a, b) => skb.distanceNs(a, b));
    assert.equal(tree, "0 → 4 (190 ns) → 5, 6, 7\n0 → 1 (60 ns)\n0 → 2 (60 ns)\n0 → 3 (60 ns)");
    assert.equal(
      formatMulticastTree({ core: 2, children: [] }, () => 0),
      "2 (no other cores)",
    );
  });

  it("indents deeper trees", () => {
    const tree = {
      core: 0,
      children: [{ core: 1, children: [{ core: 2, children: [{ core: 3, children: [] }] }] }],
    };
    assert.equal(
      formatMulticastTree(tree, () => 10),
      "0 → 1 (10 ns)\n  1 → 2 (10 ns) → 3",
    );
  });

  it("prints everything for the CLI", () => {
    const text = formatSkb(new SystemKnowledgeBase(undefined, smtMatrix(1)));
    assert.match(text, /measured: .*form 8 groups/);
    assert.match(text, /package 7: leader (7|15), cores 7,15 \(2\)/);
    assert.match(text, /^0 → 8 \(\d+ ns\)$/m);
  });
});

describe("host machine description", () => {
  it("gives packages and median latencies within and between packages", () => {
    const description = describeHostMachine(new SystemKnowledgeBase(undefined, twoByFour));
    assert.equal(description.cores, 8);
    assert.equal(description.source, "measured");
    assert.deepEqual(
      description.packages.map((p) => p.cores),
      [
        [0, 1, 2, 3],
        [4, 5, 6, 7],
      ],
    );
    assert.equal(description.latencyNs.withinPackageMedian, 60);
    assert.equal(description.latencyNs.betweenPackagesMedian, 190.4);
    assert.deepEqual(description.latencyNs.byPackagePairMedian, [
      [60, 190.4],
      [190.4, 60],
    ]);
    assert.deepEqual(JSON.parse(JSON.stringify(description)), description);
  });

  it("says null where a class has no pairs", () => {
    const description = describeHostMachine(
      new SystemKnowledgeBase(undefined, LatencyMatrix.fromRows([[0]])),
    );
    assert.equal(description.latencyNs.withinPackageMedian, null);
    assert.equal(description.latencyNs.betweenPackagesMedian, null);
    assert.equal(medianNs([3, 1, 2, 10]), 2.5);
  });
});
