// ReplicationError: why an update of a replicated object failed, as a code a caller can test and
// a message a person can read. A `voted-no` error also says which replica refused and why.

/** What went wrong with an update. */
export type ReplicationErrorCode =
  /** This core holds no replica of an object of that name. */
  | "unknown-object"
  /** The mode is neither "one-phase" nor "two-phase". */
  | "bad-mode"
  /** The update could not be encoded, or its encoding is longer than updateBytesMax. */
  | "bad-update"
  /** Too many updates in flight, at this core or at the object's home (updatesInFlightMax). */
  | "busy"
  /** Two-phase: a replica voted no, so no replica applied the update. */
  | "voted-no"
  /**
   * The home could not take the update (not created there and its buffer full, not a replica,
   * sequence numbers used up), or `update` was called from inside an onApplied observer.
   */
  | "refused";

export class ReplicationError extends Error {
  override readonly name = "ReplicationError";

  constructor(
    readonly code: ReplicationErrorCode,
    message: string,
    /** For `voted-no`: the core that voted no (the lowest, if several did). */
    readonly core: number | undefined = undefined,
    /** For `voted-no`: the reason that core gave. */
    readonly reason: string | undefined = undefined,
  ) {
    super(message);
  }
}
