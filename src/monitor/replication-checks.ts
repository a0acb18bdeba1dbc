// What the replicated object service (replication.ts) checks of its callers before it does
// anything: a definition (its functions, its cores) before an object's record is built from it,
// and an update (its mode, its encoding) before it is sent. Each failure is a clear error naming
// what was wrong; nothing here sends a message or touches a replica.

import { utf8Length } from "../idl/utf8.js";
import { updateBytesMax } from "../limits.js";
import type { ReplicatedObjectDefinition, UpdateCodec, UpdateOptions } from "./replication-api.js";
import { ReplicationError } from "./replication-error.js";
import type { ModeCode } from "./replication-messages.js";
import { jsonCodec, messageOf, modeCodeOf, type ObjectRecord } from "./replication-records.js";

/** A new object's record from its definition; throws (`where` first) on a bad definition. */
export function objectRecordOf<T, U>(
  where: string,
  name: string,
  definition: ReplicatedObjectDefinition<T, U>,
  cores: readonly number[],
): ObjectRecord {
  if (typeof definition.apply !== "function") throw new Error(`${where}: apply is not a function`);
  if (definition.validate !== undefined && typeof definition.validate !== "function") {
    throw new Error(`${where}: validate is not a function`);
  }
  const digest = definition.digest;
  if (digest !== undefined && digest !== false && typeof digest !== "function")
    throw new Error(`${where}: digest is neither a function nor false`);
  const home = cores[0]!;
  return {
    name,
    cores,
    home,
    others: cores.filter((core) => core !== home),
    apply: definition.apply as (state: unknown, update: unknown) => unknown,
    validate: definition.validate as ((state: unknown, update: unknown) => string | undefined) | undefined,
    codec: (definition.codec as UpdateCodec<unknown> | undefined) ?? jsonCodec,
    digest: digest as ((state: unknown) => string) | false | undefined,
    digestBroken: false,
    observers: new Set(),
    failure: undefined,
    failedHome: undefined,
    released: undefined,
    state: definition.initial,
    applied: 0,
    prepared: undefined,
    sequenced: 0,
    nextTxn: 1,
    operations: new Map(),
    deciding: undefined,
    queue: [],
  };
}

/** `cores` sorted and frozen; throws unless each is booted, listed once, and this core is one. */
export function checkCores(
  where: string,
  cores: readonly number[],
  bootedCores: readonly number[],
  coreId: number,
): readonly number[] {
  if (!Array.isArray(cores) || cores.length === 0)
    throw new Error(`${where}: cores must be a non-empty array`);
  const sorted = [...cores].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    const core = sorted[i]!;
    if (!bootedCores.includes(core)) throw new Error(`${where}: core ${core} is not booted`);
    if (i > 0 && sorted[i - 1] === core) throw new Error(`${where}: core ${core} is listed twice`);
  }
  if (!sorted.includes(coreId)) {
    throw new Error(`${where}: this core (${coreId}) is not one of the object's cores ${sorted.join(",")}`);
  }
  return Object.freeze(sorted);
}

/** An update's mode and encoding, or the error that refuses it (`description` first). */
export function encodeUpdate(
  description: string,
  codec: UpdateCodec<unknown>,
  update: unknown,
  options: UpdateOptions,
): { readonly mode: ModeCode; readonly text: string } | ReplicationError {
  const mode = modeCodeOf((options as Partial<UpdateOptions> | undefined)?.mode);
  if (mode === undefined) {
    const given = JSON.stringify((options as Partial<UpdateOptions> | undefined)?.mode);
    return new ReplicationError(
      "bad-mode",
      `${description}: mode ${given} is neither "one-phase" nor "two-phase"`,
    );
  }
  let text: string;
  try {
    text = codec.encode(update);
  } catch (error) {
    return new ReplicationError(
      "bad-update",
      `${description}: the codec cannot encode it: ${messageOf(error)}`,
    );
  }
  if (typeof text !== "string")
    return new ReplicationError(
      "bad-update",
      `${description}: the codec encoded it as ${typeof text}, not a string`,
    );
  const bytes = utf8Length(text);
  if (bytes > updateBytesMax) {
    return new ReplicationError(
      "bad-update",
      `${description}: its encoding is ${bytes} bytes, over updateBytesMax (${updateBytesMax})`,
    );
  }
  return { mode, text };
}
