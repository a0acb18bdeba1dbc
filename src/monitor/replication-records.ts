// The in-flight state of the replication protocol (replication.ts), as an explicit record on each
// side, as Barrelfish keeps its capability operations' (usr/monitor/capops): `PendingUpdate` at the
// requester, `HomeOperation` and `QueuedRequest` at an object's home, `Prepared` at a replica, and
// `BufferedMessage` for objects this core has not created yet; `ObjectRecord` holds one object's
// replica and, at its home, its sequencer. Each is bounded by limits.ts (see replication.ts).
// Also the few helpers the protocol's sides share: the default codec, seq bounds, mode codes.

import { utf8Length } from "../idl/utf8.js";
import type { AppliedObserver, UpdateCodec, UpdateResult } from "./replication-api.js";
import type { ReplicationError } from "./replication-error.js";
import { ModeCode } from "./replication-messages.js";

/** Requester side: an update this core asked for, not yet answered. */
export interface PendingUpdate {
  readonly requestId: number;
  readonly object: ObjectRecord;
  readonly description: string;
  readonly resolve: (result: UpdateResult) => void;
  readonly reject: (error: ReplicationError) => void;
}

/** Home side: an update waiting in the queue behind an undecided two-phase update. */
export interface QueuedRequest {
  readonly requester: number;
  readonly requestId: number;
  readonly mode: ModeCode;
  readonly text: string;
}

/** Home side: a sequenced update, waiting for votes (two-phase) or acks. */
export interface HomeOperation {
  readonly txn: number;
  readonly seq: number;
  readonly requester: number;
  readonly requestId: number;
  phase: "voting" | "acking";
  /** The replicas whose vote (while voting) and ack are still awaited; a failed one is dropped. */
  readonly votesAwaited: Set<number>;
  readonly acksAwaited: Set<number>;
  /** The lowest core that voted no so far, and its reason. */
  noCore: number | undefined;
  noReason: string;
  /** What the home's apply threw (one-phase), or undefined if it did not. */
  homeThrew: string | undefined;
  /** The home's digest of its state: staged while voting, then after the apply or decision. */
  homeDigest: number;
  /** The lowest replica whose ack shows a state that differs from the home's, and how. */
  differCore: number | undefined;
  differReason: string;
}

/** Replica side: a two-phase update voted on and not yet decided (at most one per object). */
export interface Prepared {
  readonly txn: number;
  readonly seq: number;
  readonly update: unknown;
  /** Whether this replica voted yes, and then the state it staged. */
  readonly yes: boolean;
  readonly staged: unknown;
}

/** A message for an object not created here yet, kept to be handled once it is. */
export interface BufferedMessage {
  readonly name: string;
  readonly fromCore: number;
  readonly type: number;
  readonly bytes: Uint8Array;
}

/** Everything this core keeps about one object: its replica and, at the home, the sequencer. */
export interface ObjectRecord {
  readonly name: string;
  readonly cores: readonly number[];
  readonly home: number;
  /**
   * `cores` without the home and without any core declared failed: those the home sends to and
   * awaits (a failed replica leaves the membership for good: crash-stop, replication.ts).
   */
  others: readonly number[];
  readonly apply: (state: unknown, update: unknown) => unknown;
  readonly validate: ((state: unknown, update: unknown) => string | undefined) | undefined;
  readonly codec: UpdateCodec<unknown>;
  /** The definition's digest (undefined: the state in JSON; false: none); replication-digest.ts. */
  readonly digest: ((state: unknown) => string) | false | undefined;
  /** Set once a digest threw on this core: its digests are then none. */
  digestBroken: boolean;
  readonly observers: Set<AppliedObserver<unknown, unknown>>;
  /** Why the object is failed (its replicas diverged, or its home failed), or undefined. */
  failure: string | undefined;
  /** The object's home, when the object is failed because that core failed. */
  failedHome: number | undefined;
  /** Why this core released the object (its domain ended), or undefined while it is held. */
  released: string | undefined;
  // The replica.
  state: unknown;
  applied: number;
  prepared: Prepared | undefined;
  // The sequencer, used at the home only.
  sequenced: number;
  nextTxn: number;
  readonly operations: Map<number, HomeOperation>;
  /** The txn of the two-phase update being voted on; while set, new requests queue. */
  deciding: number | undefined;
  readonly queue: QueuedRequest[];
}

/** The default codec: JSON. */
export const jsonCodec: UpdateCodec<unknown> = {
  encode: (update) => JSON.stringify(update),
  decode: (text) => JSON.parse(text),
};

/** Largest seq, txn and request id: they travel as u32. */
export const seqMax = 0xffff_ffff;

/**
 * What `thrown` says, as text, whatever it is: an Error's message, any other value as String
 * writes it, and a description of its type when even that throws (a hostile `toString`, a
 * revoked proxy). Never throws, so that a handler reporting user code's failure cannot fail too.
 */
export function messageOf(thrown: unknown): string {
  try {
    return thrown instanceof Error ? String(thrown.message) : String(thrown);
  } catch {
    return `a thrown ${typeof thrown} that cannot be written as text`;
  }
}

/** `text` cut to at most `maxBytes` bytes of UTF-8. */
export function cutUtf8(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  let cut = text.slice(0, maxBytes);
  while (utf8Length(cut) > maxBytes) cut = cut.slice(0, -1);
  return cut;
}

export function modeCodeOf(mode: unknown): ModeCode | undefined {
  if (mode === "one-phase") return ModeCode.onePhase;
  if (mode === "two-phase") return ModeCode.twoPhase;
  return undefined;
}
