// MessageLayout: one declared message after checking, as the encoder and decoder generators see it.
//
// defineInterface turns each `name: [[field, type], ...]` entry into a layout: its 16-bit type
// number, its fields, and the byte counts the generators need (the fixed part of the message, and
// for each field the fixed bytes that come after it, so that a variable-length field can check the
// whole message's bound before it writes anything).
import type { FieldType } from "./field-types.js";

export interface FieldLayout {
  readonly name: string;
  readonly type: FieldType<unknown>;
  /** Sum of the fixed bytes of the fields after this one (scalars, arrays and length prefixes). */
  readonly fixedBytesAfter: number;
}

export interface MessageLayout {
  readonly interfaceName: string;
  readonly name: string;
  /** Index in the declaration; the message's type is typeBase + index. */
  readonly index: number;
  readonly type: number;
  readonly fields: readonly FieldLayout[];
  /** Bytes of the message when every variable-length field is empty. */
  readonly fixedBytes: number;
  /** Whether any field is bytes or string; if not, every message is exactly fixedBytes long. */
  readonly variable: boolean;
}

export function isVariable(type: FieldType<unknown>): boolean {
  return type.kind === "bytes" || type.kind === "string";
}
