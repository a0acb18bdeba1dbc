// Field types of declared messages: the `t` namespace (t.u32, t.string(2048), t.array(t.f64, 4), ...).
//
// A field type is a small frozen descriptor: its kind, the bytes it takes on the wire, and for the
// variable-length kinds their declared maximum. It also carries, at the type level only, the
// JavaScript value the field holds (`FieldType<number>`, `FieldType<bigint>`, ...), from which
// interface.ts derives the typed arguments of encoders, senders and handlers.
//
// Wire format (little-endian, packed, in declaration order, no padding):
//   u8/i8/bool 1 byte (bool is 0 or 1), u16/i16 2, u32/i32/f32 4, f64/u64/i64 8;
//   bytes(max) and string(max): a u16 byte count, then that many bytes (UTF-8 for strings);
//   array(elem, count): count elements of elem back to back, no count on the wire.
import { fixedArrayElementsMax, messageBytesMax } from "../limits.js";

/** Kinds whose value is one fixed-size scalar. */
export type ScalarKind = "u8" | "u16" | "u32" | "i8" | "i16" | "i32" | "f32" | "f64" | "bool" | "u64" | "i64";
export type FieldKind = ScalarKind | "bytes" | "string" | "array";

/** Bytes of the length prefix of a bytes or string field. */
export const lengthPrefixBytes = 2;

/** A field type whose JavaScript value is V. */
export interface FieldType<V> {
  readonly kind: FieldKind;
  /** How the type is written in error messages: "u32", "string(2048)", "array(f64, 4)". */
  readonly label: string;
  /** Bytes on the wire that do not depend on the value: a scalar's size, an array's, or a length prefix. */
  readonly fixedBytes: number;
  /** Most bytes after the length prefix (bytes and string); 0 for the other kinds. */
  readonly maxBytes: number;
  /** Element type of an array; undefined for the other kinds. */
  readonly element: ScalarType<number | bigint | boolean> | undefined;
  /** Elements of an array; 0 for the other kinds. */
  readonly count: number;
  /** Never present: ties V to the descriptor for type inference. */
  readonly valueType?: V;
}

/** A fixed-size scalar type; the only kind an array may hold. */
export interface ScalarType<V extends number | bigint | boolean> extends FieldType<V> {
  readonly kind: ScalarKind;
}

/** The JavaScript value type of a field type. */
export type ValueOf<F> = F extends FieldType<infer V> ? V : never;

const scalarBytes: Readonly<Record<ScalarKind, number>> = {
  u8: 1,
  i8: 1,
  bool: 1,
  u16: 2,
  i16: 2,
  u32: 4,
  i32: 4,
  f32: 4,
  f64: 8,
  u64: 8,
  i64: 8,
};

function scalar<V extends number | bigint | boolean>(kind: ScalarKind): ScalarType<V> {
  return Object.freeze({
    kind,
    label: kind,
    fixedBytes: scalarBytes[kind],
    maxBytes: 0,
    element: undefined,
    count: 0,
  });
}

function checkMaxBytes(what: string, maxBytes: number): void {
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > messageBytesMax) {
    throw new Error(
      `idl: ${what}(${maxBytes}): the maximum must be an integer in [1, ${messageBytesMax}] bytes`,
    );
  }
}

function bytes(maxBytes: number): FieldType<Uint8Array> {
  checkMaxBytes("t.bytes", maxBytes);
  return Object.freeze({
    kind: "bytes",
    label: `bytes(${maxBytes})`,
    fixedBytes: lengthPrefixBytes,
    maxBytes,
    element: undefined,
    count: 0,
  });
}

function string(maxBytes: number): FieldType<string> {
  checkMaxBytes("t.string", maxBytes);
  return Object.freeze({
    kind: "string",
    label: `string(${maxBytes})`,
    fixedBytes: lengthPrefixBytes,
    maxBytes,
    element: undefined,
    count: 0,
  });
}

function array<V extends number | bigint | boolean>(
  element: ScalarType<V>,
  count: number,
): FieldType<readonly V[]> {
  if (element === undefined || !(element.kind in scalarBytes)) {
    throw new Error("idl: t.array: the element type must be a scalar type (t.u8 ... t.i64, t.bool)");
  }
  if (!Number.isInteger(count) || count < 1 || count > fixedArrayElementsMax) {
    throw new Error(
      `idl: t.array(${element.label}, ${count}): the count must be an integer in [1, ${fixedArrayElementsMax}]`,
    );
  }
  return Object.freeze({
    kind: "array",
    label: `array(${element.label}, ${count})`,
    fixedBytes: element.fixedBytes * count,
    maxBytes: 0,
    element,
    count,
  });
}

/** The field types, Flounder's `uint32`, `String s[2048]` and friends. */
export const t = Object.freeze({
  u8: scalar<number>("u8"),
  u16: scalar<number>("u16"),
  u32: scalar<number>("u32"),
  i8: scalar<number>("i8"),
  i16: scalar<number>("i16"),
  i32: scalar<number>("i32"),
  f32: scalar<number>("f32"),
  f64: scalar<number>("f64"),
  bool: scalar<boolean>("bool"),
  u64: scalar<bigint>("u64"),
  i64: scalar<bigint>("i64"),
  bytes,
  string,
  array,
});

/** Whether a value is one of the descriptors made by `t`. */
export function isFieldType(value: unknown): value is FieldType<unknown> {
  if (typeof value !== "object" || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return (
    typeof kind === "string" &&
    (kind in scalarBytes || kind === "bytes" || kind === "string" || kind === "array")
  );
}
