// One replica's state transitions in the replication protocol (replication.ts), apart from the
// messages: apply a one-phase update, vote on a two-phase one (validate, then stage apply on the
// state as it stands), install or drop what was staged. Each checks the order invariant: the
// update a replica applies, prepares or commits is the one after its last applied (`seq` is
// `applied + 1`), and at most one two-phase update is prepared and undecided per object. The
// module sends the votes and acks, records the apply (`applied`) and notifies observers. User code
// (`apply`, `validate`, the codec) that throws is contained here and returned as text.

import type { ObjectRecord, Prepared } from "./replication-records.js";
import { messageOf } from "./replication-records.js";

/** A replica's vote on a two-phase update: yes, or no with a reason. */
export interface ReplicaVote {
  readonly yes: boolean;
  readonly reason: string;
}

/**
 * Applies update `seq` to `object`'s state; it must be the next in order. Returns the message of
 * what `apply` threw (the state is then unchanged), or undefined. The caller records the apply.
 */
export function replicaApply(
  object: ObjectRecord,
  coreId: number,
  seq: number,
  update: unknown,
): string | undefined {
  checkNext(object, coreId, seq, "apply");
  try {
    object.state = object.apply(object.state, update);
    return undefined;
  } catch (error) {
    return `apply threw: ${messageOf(error)}`;
  }
}

/**
 * Votes on update `seq`: decode, validate, then stage apply. Any of them throwing (anything, even
 * a value that cannot be written as text) is a no vote whose reason says which and what it threw.
 */
export function replicaPrepare(
  object: ObjectRecord,
  coreId: number,
  txn: number,
  seq: number,
  text: string,
): ReplicaVote {
  checkNext(object, coreId, seq, "prepare");
  if (object.prepared !== undefined) {
    throw new Error(
      `replication: "${object.name}" prepare txn ${txn} while txn ${object.prepared.txn} is undecided`,
    );
  }
  let update: unknown;
  let reason: string | undefined;
  let staged: unknown;
  let step = "the codec's decode";
  try {
    update = object.codec.decode(text);
    step = "validate";
    const said = object.validate?.(object.state, update);
    if (said !== undefined) reason = typeof said === "string" ? said : messageOf(said);
    step = "apply (staging)";
    if (reason === undefined) staged = object.apply(object.state, update);
  } catch (error) {
    reason = `${step} threw: ${messageOf(error)}`;
  }
  const yes = reason === undefined;
  object.prepared = { txn, seq, update, yes, staged };
  return { yes, reason: reason ?? "" };
}

/**
 * Installs (commit) or drops (abort) what `object`'s replica prepared for `txn`. Returns what was
 * installed, for the caller to record as applied, or undefined on abort.
 */
export function replicaDecide(
  object: ObjectRecord,
  coreId: number,
  txn: number,
  commit: boolean,
): Prepared | undefined {
  const prepared = object.prepared;
  if (prepared === undefined || prepared.txn !== txn) {
    throw new Error(
      `replication: "${object.name}" ${commit ? "commit" : "abort"} of txn ${txn}, which this replica has not prepared`,
    );
  }
  object.prepared = undefined;
  if (!commit) return undefined;
  if (!prepared.yes)
    throw new Error(`replication: "${object.name}" commit of txn ${txn}, on which this replica voted no`);
  checkNext(object, coreId, prepared.seq, "commit");
  object.state = prepared.staged;
  return prepared;
}

function checkNext(object: ObjectRecord, coreId: number, seq: number, what: string): void {
  if (seq !== object.applied + 1) {
    throw new Error(
      `replication: "${object.name}" on core ${coreId}: ${what} of update ${seq}, but the last applied is ${object.applied} (order violated)`,
    );
  }
}

/**
 * Gives update `seq` its place without changing the state (its text could not be decoded here);
 * it must be the next in order. The caller records it as applied, telling no observer.
 */
export function replicaSkip(object: ObjectRecord, coreId: number, seq: number): void {
  checkNext(object, coreId, seq, "apply");
  object.applied = seq;
}
