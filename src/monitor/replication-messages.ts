// The replication interface: the messages monitors exchange to keep a replicated object's replicas
// in agreement (replication.ts runs the protocol; docs/replication.md describes it).
//
// Every message names its object, so that one interface serves every replicated object on the
// monitor channel. `txn` is the home's number for one operation (an update in flight), `seq` the
// place an update takes in the object's order of applied updates. Directions:
//   request  requester → home     please sequence this update, in this mode
//   apply    home → replica       one-phase: apply update number `seq`
//   prepare  home → replica       two-phase: would you apply update `seq` (vote on it)?
//   vote     replica → home       two-phase: yes, or no with a reason; the staged state's digest
//   commit   home → replica       two-phase: everyone said yes, apply what you prepared
//   abort    home → replica       two-phase: someone said no, drop what you prepared
//   ack      replica → home       done with `txn` (applied, committed or aborted): whether its
//                                 apply threw (and what), and its state's digest after it
//   reply    home → requester     the update's outcome, once every replica has acknowledged it
//   fail     home → replica       the replicas diverged: the object is failed, for `reason`
// A digest is a u32 hash of the state, 0 for none (replication-digest.ts).

import { replicationTypeBase } from "../cpu-driver/message-types.js";
import { defineInterface, t } from "../idl/index.js";
import { replicatedObjectNameBytesMax, updateBytesMax, voteReasonBytesMax } from "../limits.js";

/** How an update is run: sequenced and always applied, or voted on first. */
export const enum ModeCode {
  onePhase = 0,
  twoPhase = 1,
}

/** What a reply says about an update. */
export const enum ReplyStatus {
  /** Applied on every replica (one-phase, or two-phase committed); `seq` is its place. */
  applied = 0,
  /** Two-phase, aborted: `core` voted no for `reason`; no replica applied it. */
  votedNo = 1,
  /** The home holds too many updates of this object in flight; nothing was sequenced. */
  busy = 2,
  /** The home could not take the update (see `reason`); nothing was sequenced. */
  refused = 3,
  /** The home could not decode the update (see `reason`); nothing was sequenced. */
  badUpdate = 4,
  /** One-phase: `apply` threw on every replica alike, `core` first; seq `seq` changed nothing. */
  applyFailed = 5,
  /** The replicas differ after update `seq`, `core` first (see `reason`); the object is failed. */
  diverged = 6,
  /** The object was failed before (see `reason`); nothing was sequenced, or it met the failure. */
  failed = 7,
}

const name = ["name", t.string(replicatedObjectNameBytesMax)] as const;
const txn = ["txn", t.u32] as const;
const seq = ["seq", t.u32] as const;
const update = ["update", t.string(updateBytesMax)] as const;
const reason = ["reason", t.string(voteReasonBytesMax)] as const;
const digest = ["digest", t.u32] as const;

export const replicationInterface = defineInterface(
  "replication",
  {
    request: [name, ["requestId", t.u32], ["mode", t.u8], update],
    apply: [name, txn, seq, update],
    prepare: [name, txn, seq, update],
    vote: [name, txn, ["yes", t.bool], reason, digest],
    commit: [name, txn],
    abort: [name, txn],
    ack: [name, txn, ["threw", t.bool], digest, reason],
    reply: [name, ["requestId", t.u32], ["status", t.u8], seq, ["core", t.u32], reason],
    fail: [name, reason],
  },
  { typeBase: replicationTypeBase },
);
