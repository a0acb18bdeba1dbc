// Shootdown protocols and the routes their updates take from the home core to every other core.
//
// Each message protocol is a tree rooted at the core that sends the update (the address space's
// home, see shootdown.ts). A core applies an update, forwards it to its children in order, and
// acknowledges to its parent once it and its whole subtree have applied it, so the root hears one
// ack per child carrying the size of that child's subtree:
//   broadcast       one send on the root's broadcast channel, read by every core; each acks the root.
//   unicast         the root writes to every other core's channel, one after another; each acks the root.
//   multicast       the root writes to each other package's leader, which forwards inside its package
//                   and sends one ack up for the package; the root's own package is written directly.
//   numa-multicast  the SKB's tree (farthest packages first, built from measured latencies); acks
//                   are gathered up the tree.
//   shared-memory   the baseline of a single-address-space kernel (a shared request and a shared
//                   counter, the IPI analogue). It is not a message protocol: the real platform and
//                   the simulator implement it; the engine refuses it.

import type { CorePackage, MulticastNode } from "../skb/types.js";

export type ShootdownProtocol = "broadcast" | "unicast" | "multicast" | "numa-multicast" | "shared-memory";

/** The protocols that run through the monitors as messages, in the paper's order. */
export const messageShootdownProtocols = ["broadcast", "unicast", "multicast", "numa-multicast"] as const;

/** One core's place in the routing tree. */
export interface ShootdownRoute {
  /** Where this core acknowledges; undefined at the root. */
  readonly parent: number | undefined;
  /** Where this core forwards an update, in order. */
  readonly children: readonly number[];
}

/** A flat tree: the root sends to every other core itself. */
export function flatTree(root: number, coreIds: readonly number[]): MulticastNode {
  return { core: root, children: coreIds.filter((c) => c !== root).map((core) => ({ core, children: [] })) };
}

/**
 * The multicast tree over packages: the root sends to each other package's leader (ordered by
 * `order`, package order by default), which forwards to the rest of its package; the root's own
 * package comes last, written directly. With `order` = farthest first this is the NUMA-aware tree.
 */
export function packageTree(
  packages: readonly CorePackage[],
  root: number,
  order: (a: CorePackage, b: CorePackage) => number = (a, b) => a.id - b.id,
): MulticastNode {
  const home = packages.find((p) => p.cores.includes(root));
  if (home === undefined) throw new Error(`shootdown: core ${root} is in no package`);
  const others = packages.filter((p) => p !== home).sort(order);
  const leaf = (core: number): MulticastNode => ({ core, children: [] });
  return {
    core: root,
    children: [
      ...others.map((p) => ({ core: p.leader, children: p.cores.filter((c) => c !== p.leader).map(leaf) })),
      ...home.cores.filter((c) => c !== root).map(leaf),
    ],
  };
}

/** Checks that `tree` is rooted at `root` and reaches every core of `coreIds` exactly once. */
export function validateTree(tree: MulticastNode, root: number, coreIds: readonly number[]): void {
  if (tree.core !== root) throw new Error(`shootdown: tree rooted at core ${tree.core}, expected ${root}`);
  const seen = new Set<number>();
  const stack: MulticastNode[] = [tree];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!coreIds.includes(node.core)) throw new Error(`shootdown: tree names core ${node.core}, not booted`);
    if (seen.has(node.core)) throw new Error(`shootdown: tree reaches core ${node.core} twice`);
    seen.add(node.core);
    stack.push(...node.children);
  }
  const missing = coreIds.filter((c) => !seen.has(c));
  if (missing.length > 0) throw new Error(`shootdown: tree misses cores ${missing.join(",")}`);
}

/** Every core's parent and children in `tree`. */
export function routesOf(tree: MulticastNode): Map<number, ShootdownRoute> {
  const routes = new Map<number, ShootdownRoute>();
  const visit = (node: MulticastNode, parent: number | undefined): void => {
    routes.set(node.core, { parent, children: node.children.map((c) => c.core) });
    for (const child of node.children) visit(child, node.core);
  };
  visit(tree, undefined);
  return routes;
}

/** Options that choose a protocol's tree. */
export interface RouteOptions {
  readonly protocol: ShootdownProtocol;
  readonly packages?: readonly CorePackage[];
  readonly tree?: (root: number) => MulticastNode;
}

/** The tree a protocol's updates take from `root`, checked to reach every core once. */
export function treeFor(options: RouteOptions, root: number, coreIds: readonly number[]): MulticastNode {
  let tree: MulticastNode;
  switch (options.protocol) {
    case "broadcast":
    case "unicast":
      tree = flatTree(root, coreIds);
      break;
    case "multicast":
      if (options.packages === undefined) throw new Error("shootdown: multicast needs the packages");
      tree = packageTree(options.packages, root);
      break;
    case "numa-multicast":
      if (options.tree === undefined) throw new Error("shootdown: numa-multicast needs the SKB's tree");
      tree = options.tree(root);
      break;
    case "shared-memory":
      throw new Error(
        "shootdown: shared-memory is the single-address-space baseline, not a message protocol: the platform implements it",
      );
  }
  validateTree(tree, root, coreIds);
  return tree;
}
