// Text renderings of the SKB's knowledge for `multikernel skb`: pure functions returning strings.
//
// - `formatLatencyMatrix`: the round trips as a right-aligned table of whole ns, cores on both axes.
// - `formatPackages`: one line per package (leader, cores), after a line saying where the groups came from.
// - `formatMulticastTree`: one line per child of the root, `0 → 4 (190 ns) → 5, 6, 7`; a child whose
//   own children forward further is followed by their lines, indented.
// - `formatSkb`: all three, as the CLI prints them.

import { formatCpuList } from "./cpu-list.js";
import type { LatencyMatrix } from "./latency.js";
import type { SystemKnowledgeBase } from "./skb.js";
import type { CorePackage, MulticastNode } from "./types.js";

/** The matrix as an aligned table of whole ns; the diagonal prints as "-". */
export function formatLatencyMatrix(matrix: LatencyMatrix): string {
  return formatLatencyMatrixRows(matrix.toRows());
}

/** One line per package: `package 1: leader 4, cores 4-7`. */
export function formatPackages(packages: readonly CorePackage[], reason?: string): string {
  const lines = reason === undefined ? [] : [`groups: ${reason}`];
  for (const pkg of packages) {
    lines.push(
      `package ${pkg.id}: leader ${pkg.leader}, cores ${formatCpuList(pkg.cores)} (${pkg.cores.length})`,
    );
  }
  return lines.join("\n");
}

/** The tree as indented lines: `0 → 4 (190 ns) → 5, 6, 7`; `distanceNs` labels each root→child link. */
export function formatMulticastTree(
  tree: MulticastNode,
  distanceNs: (a: number, b: number) => number,
): string {
  const lines: string[] = [];
  const visit = (node: MulticastNode, depth: number): void => {
    for (const child of node.children) {
      const link = `${"  ".repeat(depth)}${node.core} → ${child.core} (${Math.round(distanceNs(node.core, child.core))} ns)`;
      if (child.children.every((grandchild) => grandchild.children.length === 0)) {
        const fanOut = child.children.map((grandchild) => grandchild.core).join(", ");
        lines.push(fanOut === "" ? link : `${link} → ${fanOut}`);
      } else {
        lines.push(link);
        visit(child, depth + 1);
      }
    }
  };
  if (tree.children.length === 0) return `${tree.core} (no other cores)`;
  visit(tree, 0);
  return lines.join("\n");
}

/** Everything `multikernel skb` prints: the matrix, the groups and the tree from `root`. */
export function formatSkb(skb: SystemKnowledgeBase, root = 0): string {
  const matrix = skb.toJSON().roundTripsNs;
  return [
    `round trips between cores (ns, ${skb.coreCount} cores):`,
    formatLatencyMatrixRows(matrix),
    "",
    formatPackages(skb.packages(), `${skb.clustering.source}: ${skb.clustering.reason}`),
    "",
    `multicast tree from core ${root}:`,
    formatMulticastTree(skb.multicastTree(root), (a, b) => skb.distanceNs(a, b)),
  ].join("\n");
}

/** The same table from plain rows (as `SystemKnowledgeBase.toJSON` gives them). */
export function formatLatencyMatrixRows(rows: readonly (readonly number[])[]): string {
  const size = rows.length;
  const cells = rows.map((row, a) => row.map((ns, b) => (a === b ? "-" : String(Math.round(ns)))));
  const labelWidth = Math.max("ns".length, String(size - 1).length);
  let width = String(size - 1).length;
  for (const row of cells) for (const cell of row) width = Math.max(width, cell.length);
  width += 1;
  const header = `${"ns".padStart(labelWidth)} |${rows.map((_, b) => String(b).padStart(width)).join("")}`;
  const rule = `${"-".repeat(labelWidth)}-+${"-".repeat(width * size)}`;
  const lines = cells.map(
    (row, a) => `${String(a).padStart(labelWidth)} |${row.map((c) => c.padStart(width)).join("")}`,
  );
  return [header, rule, ...lines].join("\n");
}
