// Encoder generation: one straight-line function per declared message.
//
// For each message we write JavaScript source with one parameter per field and one block per field
// (check the value, write it at its offset) and compile it once with `new Function`. Offsets are
// constants up to the first variable-length field and `o + constant` after it, so the hot path has
// no loop over field descriptors, no per-field indirect call and no allocation. Checks are single
// comparisons that V8 inlines (`(x >>> 0) !== x` for u32); when one fails, a slow-path function
// outside the generated code works out why and throws a MessageError naming the field.
//
// A message that may fit one URPC slot also gets a slot encoder, which writes straight into a
// reserved slot (no buffer, no copy). A message with strings fits or not depending on its values:
// its slot encoder checks every value as the buffer encoder does (so a bad value throws the same
// error on either path), and when the strings turn out too long for the slot it returns -1, having
// committed nothing, and the sender takes the buffer path, which encodes (or refuses) the message in
// full.
import { messageBytesMax, slotPayloadBytes } from "../limits.js";
import { type FieldType, lengthPrefixBytes } from "./field-types.js";
import { type FieldLayout, isVariable, type MessageLayout } from "./layout.js";
import type { MessageBuffer } from "./message-buffer.js";
import { MessageError } from "./message-error.js";
import { utf8Length, utf8LoopUnitsMax, writeUtf8 } from "./utf8.js";

// A string that fits a slot is short enough for writeUtf8's loop, which needs no Buffer.
if (slotPayloadBytes > utf8LoopUnitsMax) throw new Error("idl: a slot's string must be encoded by the loop");

export type EncodeFunction = (buf: MessageBuffer, ...args: readonly unknown[]) => number;

/** The check (true when the value is bad) and the write of one scalar, as source text. */
function scalarSource(type: FieldType<unknown>, x: string, at: string): { bad: string; write: string } {
  switch (type.kind) {
    case "u8":
      return { bad: `(${x} & 0xff) !== ${x}`, write: `b[${at}] = ${x};` };
    case "i8":
      return { bad: `((${x} << 24) >> 24) !== ${x}`, write: `b[${at}] = ${x};` };
    case "u16":
      return { bad: `(${x} & 0xffff) !== ${x}`, write: `v.setUint16(${at}, ${x}, true);` };
    case "i16":
      return { bad: `((${x} << 16) >> 16) !== ${x}`, write: `v.setInt16(${at}, ${x}, true);` };
    case "u32":
      return { bad: `(${x} >>> 0) !== ${x}`, write: `v.setUint32(${at}, ${x}, true);` };
    case "i32":
      return { bad: `(${x} | 0) !== ${x}`, write: `v.setInt32(${at}, ${x}, true);` };
    case "f32":
      return { bad: `typeof ${x} !== "number"`, write: `v.setFloat32(${at}, ${x}, true);` };
    case "f64":
      return { bad: `typeof ${x} !== "number"`, write: `v.setFloat64(${at}, ${x}, true);` };
    case "bool":
      return { bad: `typeof ${x} !== "boolean"`, write: `b[${at}] = ${x} ? 1 : 0;` };
    case "u64":
      return {
        bad: `typeof ${x} !== "bigint" || ${x} < 0n || ${x} > 0xffffffffffffffffn`,
        write: `v.setBigUint64(${at}, ${x}, true);`,
      };
    case "i64":
      return {
        bad: `typeof ${x} !== "bigint" || ${x} < -0x8000000000000000n || ${x} > 0x7fffffffffffffffn`,
        write: `v.setBigInt64(${at}, ${x}, true);`,
      };
    default:
      throw new Error(`idl: internal: ${type.kind} is not a scalar`);
  }
}

/** Describes a value for an error message without risking a huge or throwing conversion. */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "bigint":
      return `${value}n`;
    case "boolean":
      return String(value);
    case "string":
      return value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}...` : JSON.stringify(value);
    case "undefined":
      return "undefined";
    default:
      if (value === null) return "null";
      if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
      if (Array.isArray(value)) return `Array(${value.length})`;
      return typeof value === "object" ? "an object" : typeof value;
  }
}

/** Why a scalar value was refused. */
function scalarProblem(type: FieldType<unknown>, value: unknown): string {
  const kind = type.kind;
  if (kind === "bool") return `is not a boolean (${kind})`;
  if (kind === "u64" || kind === "i64") {
    return typeof value === "bigint" ? `is out of range for ${kind}` : `is not a bigint (${kind})`;
  }
  if (typeof value !== "number") return `is not a number (${kind})`;
  if (!Number.isInteger(value)) return `is not an integer (${kind})`;
  return `is out of range for ${kind}`;
}

function makeFail(layout: MessageLayout) {
  const where = (field: FieldLayout | undefined) => ({
    interfaceName: layout.interfaceName,
    messageName: layout.name,
    ...(field === undefined ? {} : { fieldName: field.name }),
  });
  /** A value was refused; element is the array index, or -1 for the field itself. */
  return (fieldIndex: number, value: unknown, element: number): never => {
    const field = layout.fields[fieldIndex]!;
    const type = field.type;
    const shown = describeValue(value);
    if (element >= 0) {
      const elementType = type.element!;
      throw new MessageError(
        where(field),
        `field "${field.name}" element [${element}] = ${shown} ${scalarProblem(elementType, value)} in ${type.label}`,
      );
    }
    let problem: string;
    switch (type.kind) {
      case "array":
        problem =
          typeof value === "object" &&
          value !== null &&
          typeof (value as { length?: unknown }).length === "number"
            ? `has ${(value as { length: number }).length} elements, but ${type.label} needs exactly ${type.count}`
            : `is not an array (${type.label})`;
        break;
      case "bytes":
        problem =
          value instanceof Uint8Array
            ? `is ${value.length} bytes, over the maximum of ${type.maxBytes} for ${type.label}`
            : `is not a Uint8Array (${type.label})`;
        break;
      case "string":
        problem =
          typeof value === "string"
            ? `is ${utf8Length(value)} bytes of UTF-8, over the maximum of ${type.maxBytes} for ${type.label}`
            : `is not a string (${type.label})`;
        break;
      default:
        problem = scalarProblem(type, value);
    }
    throw new MessageError(where(field), `field "${field.name}" = ${shown} ${problem}`);
  };
}

function makeFailTotal(layout: MessageLayout) {
  /** A variable-length field fits its own maximum but makes the message too long. */
  return (fieldIndex: number, value: unknown, offset: number): never => {
    const field = layout.fields[fieldIndex]!;
    const length = typeof value === "string" ? utf8Length(value) : (value as Uint8Array).length;
    const total = offset + lengthPrefixBytes + length + field.fixedBytesAfter;
    throw new MessageError(
      { interfaceName: layout.interfaceName, messageName: layout.name, fieldName: field.name },
      `field "${field.name}" of ${length} bytes makes the message ${total} bytes, over messageBytesMax (${messageBytesMax})`,
    );
  };
}

/**
 * The checks and writes of every field, as source lines; offsets are `base + constant` (base "" for
 * a MessageBuffer, "p + " for a slot at byte p) up to the first variable-length field. With `slot`,
 * strings must also fit the slot at p, else the lines return -1 (bytes fields are not supported
 * there).
 */
function fieldLines(layout: MessageLayout, base: string, slot = false): { lines: string[]; end: string } {
  const lines: string[] = [];
  if (layout.variable) lines.push("let o = 0, n = 0, e = 0;");
  let dynamic = false; // whether offsets are relative to `o`
  let offset = 0; // constant part of the offset
  const at = (extra: string) => (dynamic ? `o + ${offset}${extra}` : `${base}${offset}${extra}`);
  layout.fields.forEach((field, i) => {
    const x = `a${i}`;
    const type = field.type;
    if (type.kind === "array") {
      const element = type.element!;
      const { bad, write } = scalarSource(element, "x", at(` + k * ${element.fixedBytes}`));
      lines.push(
        `if (${x} === null || typeof ${x} !== "object" || ${x}.length !== ${type.count}) fail(${i}, ${x}, -1);`,
        `for (let k = 0; k < ${type.count}; k++) { const x = ${x}[k]; if (${bad}) fail(${i}, x, k); ${write} }`,
      );
      offset += type.fixedBytes;
    } else if (isVariable(type)) {
      // Room for this field's bytes: its own maximum, and what the message bound leaves after the
      // fixed bytes still to come.
      const limit = messageBytesMax - field.fixedBytesAfter;
      const start = at(` + ${lengthPrefixBytes}`);
      if (type.kind === "bytes") {
        lines.push(
          `if (!(${x} instanceof Uint8Array) || ${x}.length > ${type.maxBytes}) fail(${i}, ${x}, -1);`,
          `n = ${x}.length; e = ${start} + n;`,
          `if (e > ${limit}) failTotal(${i}, ${x}, ${at("")});`,
          `b.set(${x}, ${start});`,
        );
      } else if (slot) {
        // Every UTF-16 unit takes at least one byte: a longer string cannot fit the slot.
        lines.push(
          `if (typeof ${x} !== "string" || ${x}.length > ${type.maxBytes}) fail(${i}, ${x}, -1);`,
          `if (${x}.length > ${slotPayloadBytes}) return -1;`,
          `e = writeUtf8(b, undefined, ${x}, ${start}, Math.min(${start} + ${type.maxBytes}, p + ${slotPayloadBytes - field.fixedBytesAfter}));`,
          "if (e < 0) return -1;",
          `n = e - (${start});`,
        );
      } else {
        lines.push(
          `if (typeof ${x} !== "string" || ${x}.length > ${type.maxBytes}) fail(${i}, ${x}, -1);`,
          `e = writeUtf8(b, buf.text, ${x}, ${start}, Math.min(${start} + ${type.maxBytes}, ${limit}));`,
          `if (e < 0) { if (utf8Length(${x}) > ${type.maxBytes}) fail(${i}, ${x}, -1); failTotal(${i}, ${x}, ${at("")}); }`,
          `n = e - (${start});`,
        );
      }
      lines.push(`v.setUint16(${at("")}, n, true);`, "o = e;");
      dynamic = true;
      offset = 0;
    } else {
      const { bad, write } = scalarSource(type, x, at(""));
      lines.push(`if (${bad}) fail(${i}, ${x}, -1);`, write);
      offset += type.fixedBytes;
    }
  });
  return { lines, end: at("") };
}

function compile(layout: MessageLayout, source: string) {
  return new Function("fail", "failTotal", "writeUtf8", "utf8Length", source)(
    makeFail(layout),
    makeFailTotal(layout),
    writeUtf8,
    utf8Length,
  );
}

/** Compiles the encoder of one message: (buf, a0, a1, ...) => length in bytes. */
export function compileEncoder(layout: MessageLayout): EncodeFunction {
  const params = layout.fields.map((_, i) => `a${i}`);
  const { lines, end } = fieldLines(layout, "");
  const source = `return function encode_${layout.name}(buf, ${params.join(", ")}) {\n  const b = buf.bytes, v = buf.view;\n  ${lines.join("\n  ")}\n  return ${end};\n};`;
  return compile(layout, source) as EncodeFunction;
}

/**
 * (b, v, p, a0, a1, ...) => length: encodes a message straight into memory at byte p (a URPC slot:
 * Flounder's stubs marshal into the message slot itself) and returns its length in bytes, or -1
 * when its strings make it longer than one slot (nothing is sent then; the caller takes the
 * buffer path). Undefined for a message that never fits one slot, and for one with a bytes or an
 * array field: those go through a buffer.
 */
export type SlotEncodeFunction = (
  b: Uint8Array,
  v: DataView,
  p: number,
  ...args: readonly unknown[]
) => number;

export function compileSlotEncoder(layout: MessageLayout): SlotEncodeFunction | undefined {
  if (layout.fixedBytes > slotPayloadBytes) return undefined;
  // Arrays and bytes go through the buffer: reading an element, or a Uint8Array's length, may run
  // the caller's code (a getter, a Proxy), which could send on the same port between the slot's
  // reservation and its commit. A string is a primitive: reading it runs nothing.
  if (layout.fields.some((field) => field.type.kind === "array" || field.type.kind === "bytes"))
    return undefined;
  const params = layout.fields.map((_, i) => `a${i}`);
  const { lines, end } = fieldLines(layout, "p + ", true);
  const source = `return function encode_slot_${layout.name}(b, v, p${params.map((x) => `, ${x}`).join("")}) {\n  ${lines.join("\n  ")}\n  return ${end} - p;\n};`;
  return compile(layout, source) as SlotEncodeFunction;
}
