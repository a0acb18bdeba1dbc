// How the home of a replicated object judges an update's end (replication.ts): each replica's ack
// against the home's own result, and then the one reply the requester gets.
//
// An ack says whether the replica's apply threw (and what) and its state's digest after the update
// (replication-digest.ts). The home kept the same two things of its own (`homeThrew`,
// `homeDigest` in the HomeOperation). A replica whose apply threw where the home's did not (or the
// reverse), or whose digest differs, has diverged: the module declares the object failed. The reply,
// in order of precedence: `diverged` (naming the lowest replica that differs), `voted-no` (the lowest
// that voted no), `apply-failed` (a one-phase apply that threw on every replica alike: the update
// took its seq and changed nothing), `failed` (applied alike everywhere, but the object failed
// meanwhile, through another update), else `applied`. Last, the error a requester's update
// rejects with, from that reply.

import { digestsDiffer } from "./replication-digest.js";
import { ReplicationError } from "./replication-error.js";
import { ReplyStatus } from "./replication-messages.js";
import type { HomeOperation, ObjectRecord } from "./replication-records.js";

/** A digest as eight hex digits, for messages. */
export function hex(digest: number): string {
  return digest.toString(16).padStart(8, "0");
}

/**
 * How a replica's ack shows a state that differs from the home's after `operation`, or undefined
 * when it agrees. `thrown` is what the replica's apply threw (when `threw`).
 */
export function ackDifference(
  operation: HomeOperation,
  threw: boolean,
  digest: number,
  thrown: string,
): string | undefined {
  const homeThrew = operation.homeThrew;
  if (threw && homeThrew === undefined) return `there ${thrown}, where the home's apply did not throw`;
  if (!threw && homeThrew !== undefined) return `there apply did not throw, where the home's ${homeThrew}`;
  if (digestsDiffer(digest, operation.homeDigest))
    return `its state's digest ${hex(digest)} differs from the home's ${hex(operation.homeDigest)}`;
  return undefined;
}

/** The reply for a finished `operation`: status, the core it names, and the reason. */
export function outcomeOf(
  object: ObjectRecord,
  operation: HomeOperation,
  home: number,
): [ReplyStatus, number, string] {
  if (operation.differCore !== undefined)
    return [ReplyStatus.diverged, operation.differCore, operation.differReason];
  if (operation.noCore !== undefined) return [ReplyStatus.votedNo, operation.noCore, operation.noReason];
  if (operation.homeThrew !== undefined) return [ReplyStatus.applyFailed, home, operation.homeThrew];
  if (object.failure !== undefined) return [ReplyStatus.failed, home, object.failure];
  return [ReplyStatus.applied, 0, ""];
}

/** The error a requester's update rejects with, from its home's reply. */
export function errorOfReply(
  description: string,
  status: number,
  seq: number,
  core: number,
  reason: string,
): ReplicationError {
  switch (status) {
    case ReplyStatus.votedNo:
      return new ReplicationError(
        "voted-no",
        `${description}: aborted, core ${core} voted no: ${reason}`,
        core,
        reason,
      );
    case ReplyStatus.busy:
      return new ReplicationError("busy", `${description}: ${reason}`);
    case ReplyStatus.badUpdate:
      return new ReplicationError("bad-update", `${description}: ${reason}`);
    case ReplyStatus.applyFailed:
      return new ReplicationError(
        "apply-failed",
        `${description}: apply failed on core ${core} (on every replica alike: update ${seq} changed no replica): ${reason}`,
        core,
        reason,
      );
    case ReplyStatus.diverged:
      return new ReplicationError(
        "diverged",
        `${description}: the replicas diverged at update ${seq}, core ${core} differs from the home: ${reason}; the object is now failed`,
        core,
        reason,
      );
    case ReplyStatus.failed: {
      const applied = seq > 0 ? `applied as update ${seq} on every replica, but ` : "";
      return new ReplicationError("failed", `${description}: ${applied}the object is failed: ${reason}`);
    }
    default:
      return new ReplicationError("refused", `${description}: ${reason}`);
  }
}
