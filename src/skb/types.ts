// Shared shapes of the System Knowledge Base's answers: topology facts and routing trees.

/** A node of a multicast tree: send to `core`, which forwards to its `children` in order. */
export interface MulticastNode {
  readonly core: number;
  readonly children: readonly MulticastNode[];
}

/** A group of cores that share a last-level cache (a "package" in the paper's sense). */
export interface CorePackage {
  /** Index of the package, 0-based, in order of its lowest core. */
  readonly id: number;
  /** The package's leader: the core that receives a multicast for the package and forwards it. */
  readonly leader: number;
  /** The package's cores, ascending. */
  readonly cores: readonly number[];
}
