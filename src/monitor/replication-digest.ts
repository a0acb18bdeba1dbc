// A replica's state digest, for the replication protocol (replication.ts) to detect replicas that
// diverge. Every replica computes the digest of its state after each update it applies, commits or
// aborts (and of the state it stages when it votes); the home compares each replica's digest with
// its own, carried in the `vote` and `ack` messages, and a difference declares the object failed
// (one-phase, or after a commit) or aborts the update (two-phase, at the vote).
//
// A digest is a u32 carried in a message: 32-bit FNV-1a over a string that stands for the state,
// with 0 kept for "no digest" (never compared). The string is the definition's `digest(state)` if
// it gives one, else the state in JSON (so the default suits states built of plain data; JSON
// writes a Map as "{}", so a state holding one needs its own `digest`). `digest: false` in the
// definition turns the check off (for states too large to write on every update). A digest that
// throws (its own, or JSON's on a BigInt or a cycle) is reported once in the core's log, and the
// object's digests are then "no digest" on that core.

import type { ObjectRecord } from "./replication-records.js";
import { messageOf } from "./replication-records.js";

/** The digest that means "not computed": never compared. */
export const noDigest = 0;

const fnvOffsetBasis = 0x811c9dc5;
const fnvPrime = 0x01000193;

/** 32-bit FNV-1a of `text`'s UTF-16 code units, never `noDigest`. */
export function hashText(text: string): number {
  let hash = fnvOffsetBasis;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, fnvPrime) >>> 0;
  }
  return hash === noDigest ? 1 : hash;
}

/** The default digest text: the state in JSON (undefined when JSON cannot write it). */
function jsonText(state: unknown): string | undefined {
  return JSON.stringify(state) as string | undefined;
}

/**
 * The digest of `object`'s state on this core (or of `state`, when given: a staged one), or
 * `noDigest` when the object has none. `log` hears, once per object, a digest function that threw.
 */
export function stateDigest(object: ObjectRecord, log: (line: string) => void, state = object.state): number {
  if (object.digest === false || object.digestBroken) return noDigest;
  try {
    const text = object.digest === undefined ? jsonText(state) : object.digest(state);
    if (text === undefined && object.digest === undefined) return noDigest;
    if (typeof text !== "string") throw new Error(`it returned ${typeof text}, not a string`);
    return hashText(text);
  } catch (error) {
    object.digestBroken = true;
    log(
      `replication: "${object.name}": the state's digest failed, so this core no longer checks that its replica agrees: ${messageOf(error)}`,
    );
    return noDigest;
  }
}

/** Whether two digests show different states (both computed, and unequal). */
export function digestsDiffer(a: number, b: number): boolean {
  return a !== noDigest && b !== noDigest && a !== b;
}
