// ReplicationError: why an update of a replicated object failed, as a code a caller can test and
// a message a person can read. A `voted-no`, `apply-failed` or `diverged` error also says which
// replica (`core`) and why (`reason`).

/** What went wrong with an update. */
export type ReplicationErrorCode =
  /** This core holds no replica of an object of that name. */
  | "unknown-object"
  /** The mode is neither "one-phase" nor "two-phase". */
  | "bad-mode"
  /**
   * The update could not be encoded, its encoding is longer than updateBytesMax, or the home could
   * not decode it; nothing was applied.
   */
  | "bad-update"
  /** Too many updates in flight, at this core or at the object's home (updatesInFlightMax). */
  | "busy"
  /**
   * Two-phase: a replica voted no (its `validate` said no or threw, staging `apply` threw, or the
   * state it staged differs from the home's), so no replica applied the update.
   */
  | "voted-no"
  /**
   * One-phase: `apply` threw on every replica alike (`core` is the home, `reason` what it threw);
   * the update took its seq and changed no replica. The object stays usable.
   */
  | "apply-failed"
  /**
   * The replicas differ after this update: `core` (the lowest that differs from the home) threw
   * where the home did not or the reverse, or its state's digest differs from the home's. The
   * object is now failed on every replica.
   */
  | "diverged"
  /**
   * The object is failed: its replicas diverged, or its home core was declared failed (then `core`
   * is the home, and an update in flight meanwhile may or may not have reached some replicas). A
   * failed object takes no more updates.
   */
  | "failed"
  /**
   * The home could not take the update (not created there and its buffer full, not a replica,
   * sequence numbers used up), or `update` was called from inside an onApplied observer.
   */
  | "refused"
  /**
   * The object was released on this core (its domain ended) before the update settled, or the
   * update was asked for after that; whether an update in flight reached other replicas is unknown.
   */
  | "released";

export class ReplicationError extends Error {
  override readonly name = "ReplicationError";

  constructor(
    readonly code: ReplicationErrorCode,
    message: string,
    /**
     * For `voted-no`, `apply-failed`, `diverged`: the core concerned (the lowest, if several); for
     * `failed` because the home failed: the home.
     */
    readonly core: number | undefined = undefined,
    /** For `voted-no`, `apply-failed`, `diverged`: that core's reason, or what it threw. */
    readonly reason: string | undefined = undefined,
  ) {
    super(message);
  }
}
