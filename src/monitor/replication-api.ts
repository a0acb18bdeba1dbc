// The replicated object service as domains see it: the definition a domain gives for an object,
// the handle it gets back (local `read`, split-phase `update`, `onApplied`, `failure`), the two
// update modes, and the codec updates travel in. Failures are ReplicationError
// (replication-error.ts). User code given here (`apply`, `validate`, `digest`, the codec, observers)
// may throw anything: the protocol contains it, reports it and goes on (replication.ts says how).
//
// Nothing here runs anything: replication.ts is the monitor module that keeps the replicas, and
// runs the one-phase and two-phase protocols between monitors; the domain library
// (src/domain/domain-context.ts) hands these types to a domain's code.

/** How an update runs: "one-phase" (ordered, always applied) or "two-phase" (voted; all or none). */
export type ReplicationMode = "one-phase" | "two-phase";

/** How updates travel: as a string, at most updateBytesMax bytes of UTF-8. JSON by default. */
export interface UpdateCodec<U> {
  encode(update: U): string;
  decode(text: string): U;
}

/** What every core spanning an object declares for it, identically. */
export interface ReplicatedObjectDefinition<T, U> {
  /** Every replica's state before the first update. */
  readonly initial: T;
  /**
   * The state after `update`: deterministic. One that throws on a one-phase update fails that
   * update (`apply-failed`, or `diverged` if it threw on some replicas only); on a two-phase one
   * it is a no vote.
   */
  readonly apply: (state: T, update: U) => T;
  /** Two-phase only: a reason to vote no, or undefined to vote yes; one that throws votes no. */
  readonly validate?: (state: T, update: U) => string | undefined;
  /** The cores holding a replica; every booted core by default. This core must be one of them. */
  readonly cores?: readonly number[];
  /** How updates are written into messages; JSON by default. */
  readonly codec?: UpdateCodec<U>;
  /**
   * A string that stands for a state, equal on two replicas exactly when their states are equal;
   * replicas compare its hash after every update to detect divergence (replication-digest.ts).
   * The state in JSON by default; `false` turns the check off.
   */
  readonly digest?: ((state: T) => string) | false;
}

export interface UpdateOptions {
  readonly mode: ReplicationMode;
}

/** A settled update: its place in the object's order of applied updates. */
export interface UpdateResult {
  readonly seq: number;
}

/**
 * Called on a replica each time it applies an update: its seq, the update, the state after it.
 * It runs after the change and cannot undo it: one that throws is logged, and the update stands.
 */
export type AppliedObserver<T, U> = (seq: number, update: U, state: T) => void;

/** This core's typed view of one replicated object. */
export interface ReplicatedObject<T, U> {
  readonly name: string;
  /** The cores holding a replica, ascending. */
  readonly cores: readonly number[];
  /** The core that orders the updates (the lowest of `cores`). */
  readonly home: number;
  /** This replica's state (local, no messages). */
  read(): T;
  /** The seq of the last update this replica applied (0 before any). */
  readonly appliedSeq: number;
  update(update: U, options: UpdateOptions): Promise<UpdateResult>;
  /**
   * Why the object is failed (its replicas diverged), or undefined while it is usable. Once set it
   * stays set, on every replica the home's `fail` message reaches, and every update rejects `failed`.
   */
  readonly failure: string | undefined;
  /** Adds an observer of this replica's applies; returns a function that removes it. */
  onApplied(observer: AppliedObserver<T, U>): () => void;
}

/** Messages and work of this core, for tests and traces. */
export interface ReplicationCounters {
  requestsSent: number;
  appliesSent: number;
  preparesSent: number;
  votesSent: number;
  decisionsSent: number;
  acksSent: number;
  repliesSent: number;
  updatesApplied: number;
  messagesBuffered: number;
  /** Calls of onApplied observers that threw (each logged; the update stood). */
  observersFailed: number;
  /** `fail` messages the home sent: objects declared failed, times the replicas it told. */
  failuresSent: number;
  /** Messages from a core declared failed, dropped unread (and those it had buffered here). */
  messagesFromFailedDropped: number;
  /** Objects released here because their domain ended (releaseScope). */
  objectsReleased: number;
  /** Messages for released objects (arrived late, or buffered here), dropped unread. */
  messagesForReleasedDropped: number;
}
