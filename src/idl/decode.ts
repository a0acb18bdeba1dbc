// Decoder generation: one straight-line function per declared message, calling its typed handler.
//
// Like the encoders, each decoder is JavaScript source compiled once with `new Function`: it reads
// the fields in order, checks every length against the frame's `length` before reading (so it never
// reads past it, whatever the bytes say), and calls `h.<message>(a0, a1, ...)`. A message without
// variable-length fields has one length check, for its exact size. Failures go to slow-path
// functions that throw a MessageError naming the channel, the message and the field.
import { type FieldType, lengthPrefixBytes, t } from "./field-types.js";
import { isVariable, type MessageLayout } from "./layout.js";
import { MessageError } from "./message-error.js";
import { readUtf8 } from "./utf8.js";

/**
 * (view, bytes, length, handlers, channelName) => void; the view and bytes cover the same memory.
 * A decoder for which decoderNeedsView is false never reads the view (any view may be passed).
 */
export type DecodeFunction = (
  view: DataView,
  bytes: Uint8Array,
  length: number,
  handlers: object,
  channelName: string,
) => void;

/** The read of one scalar at byte offset `at`, as source text. */
function readSource(type: FieldType<unknown>, at: string): string {
  // Integers up to 32 bits are put together from bytes, so that a message of such fields needs no
  // DataView (see decoderNeedsView); the rest are read through the view.
  const byte = (k: number) => (k === 0 ? `b[${at}]` : `(b[${at} + ${k}] << ${8 * k})`);
  const u16 = `(${byte(0)} | ${byte(1)})`;
  const i32 = `(${byte(0)} | ${byte(1)} | ${byte(2)} | ${byte(3)})`;
  switch (type.kind) {
    case "u8":
      return `b[${at}]`;
    case "i8":
      return `((b[${at}] << 24) >> 24)`;
    case "u16":
      return u16;
    case "i16":
      return `((${u16} << 16) >> 16)`;
    case "u32":
      return `(${i32} >>> 0)`;
    case "i32":
      return i32;
    case "f32":
      return `v.getFloat32(${at}, true)`;
    case "f64":
      return `v.getFloat64(${at}, true)`;
    case "u64":
      return `v.getBigUint64(${at}, true)`;
    case "i64":
      return `v.getBigInt64(${at}, true)`;
    default:
      throw new Error(`idl: internal: no plain read for ${type.kind}`);
  }
}

/** Whether a message's decoder reads through the DataView (floats and 64-bit integers do). */
export function decoderNeedsView(layout: MessageLayout): boolean {
  const viewKinds = ["f32", "f64", "u64", "i64"];
  return layout.fields.some(
    (field) => viewKinds.includes(field.type.kind) || viewKinds.includes(field.type.element?.kind ?? ""),
  );
}

/** Arrays up to this many elements are decoded as one array literal rather than a loop. */
const unrolledElementsMax = 16;

function makeFailures(layout: MessageLayout) {
  const named = (fieldIndex: number) => `field "${layout.fields[fieldIndex]!.name}"`;
  const where = (channelName: string, fieldIndex: number) => {
    const field = layout.fields[fieldIndex];
    return {
      interfaceName: layout.interfaceName,
      messageName: layout.name,
      channelName,
      ...(field === undefined ? {} : { fieldName: field.name }),
    };
  };
  return {
    /** The fixed bytes from fieldIndex on, starting at offset, do not fit in length. */
    truncated(channelName: string, fieldIndex: number, offset: number, length: number): never {
      let at = offset;
      let index = fieldIndex;
      for (; index < layout.fields.length - 1; index++) {
        const next = at + layout.fields[index]!.type.fixedBytes;
        if (next > length) break;
        at = next;
        if (isVariable(layout.fields[index]!.type)) break;
      }
      const need = layout.fields[index]!.type.fixedBytes;
      throw new MessageError(
        where(channelName, index),
        `truncated frame: ${named(index)} needs ${need} bytes at offset ${at}, but the frame is ${length} bytes`,
      );
    },
    /** A variable-length field's bytes run past the end of the frame. */
    truncatedBody(
      channelName: string,
      fieldIndex: number,
      offset: number,
      count: number,
      length: number,
    ): never {
      throw new MessageError(
        where(channelName, fieldIndex),
        `truncated frame: ${named(fieldIndex)} has a length prefix of ${count} bytes at offset ${offset}, but the frame is ${length} bytes`,
      );
    },
    trailing(channelName: string, consumed: number, length: number): never {
      throw new MessageError(
        where(channelName, -1),
        `trailing garbage: the fields take ${consumed} bytes, but the frame is ${length} bytes`,
      );
    },
    badBool(channelName: string, fieldIndex: number, value: number, element: number): never {
      const which = element < 0 ? "" : `element [${element}] `;
      throw new MessageError(
        where(channelName, fieldIndex),
        `${named(fieldIndex)} ${which}has byte ${value}, not a bool (0 or 1)`,
      );
    },
    overMax(channelName: string, fieldIndex: number, count: number): never {
      const type = layout.fields[fieldIndex]!.type;
      throw new MessageError(
        where(channelName, fieldIndex),
        `${named(fieldIndex)} has a length prefix of ${count}, over the maximum of ${type.maxBytes} for ${type.label}`,
      );
    },
    badUtf8(channelName: string, fieldIndex: number): never {
      throw new MessageError(where(channelName, fieldIndex), `${named(fieldIndex)} is not valid UTF-8`);
    },
  };
}

/** Compiles the decoder of one message. */
export function compileDecoder(layout: MessageLayout): DecodeFunction {
  const lines: string[] = [];
  const args = layout.fields.map((_, i) => `a${i}`);
  if (!layout.variable) {
    const size = layout.fixedBytes;
    lines.push(
      `if (length !== ${size}) { if (length < ${size}) f.truncated(ch, 0, 0, length); f.trailing(ch, ${size}, length); }`,
    );
  } else {
    lines.push("let o = 0, n = 0;");
  }
  let dynamic = false;
  let offset = 0;
  let runChecked = !layout.variable; // whether the current run of fixed bytes has been length-checked
  const at = (extra: string) => (dynamic ? `o + ${offset}${extra}` : `${offset}${extra}`);
  layout.fields.forEach((field, i) => {
    const type = field.type;
    if (!runChecked) {
      // One check for this field and the fixed fields that follow it, up to and including the
      // next length prefix.
      let run = 0;
      for (let j = i; j < layout.fields.length; j++) {
        const later = layout.fields[j]!.type;
        run += later.fixedBytes;
        if (isVariable(later)) break;
      }
      lines.push(`if (${at(` + ${run}`)} > length) f.truncated(ch, ${i}, ${at("")}, length);`);
      runChecked = true;
    }
    const a = `a${i}`;
    if (type.kind === "array") {
      const element = type.element!;
      const size = element.fixedBytes;
      if (element.kind === "bool") {
        lines.push(
          `const ${a} = new Array(${type.count});`,
          `for (let k = 0; k < ${type.count}; k++) { const x = b[${at(` + k`)}]; if (x > 1) f.badBool(ch, ${i}, x, k); ${a}[k] = x === 1; }`,
        );
      } else if (type.count <= unrolledElementsMax) {
        const reads = Array.from({ length: type.count }, (_, k) => readSource(element, at(` + ${k * size}`)));
        lines.push(`const ${a} = [${reads.join(", ")}];`);
      } else {
        lines.push(
          `const ${a} = new Array(${type.count});`,
          `for (let k = 0; k < ${type.count}; k++) ${a}[k] = ${readSource(element, at(` + k * ${size}`))};`,
        );
      }
      offset += type.fixedBytes;
    } else if (type.kind === "bool") {
      lines.push(
        `const r${i} = b[${at("")}];`,
        `if (r${i} > 1) f.badBool(ch, ${i}, r${i}, -1);`,
        `const ${a} = r${i} === 1;`,
      );
      offset += 1;
    } else if (isVariable(type)) {
      const start = at(` + ${lengthPrefixBytes}`);
      lines.push(
        `n = ${readSource(t.u16, at(""))};`,
        `if (n > ${type.maxBytes}) f.overMax(ch, ${i}, n);`,
        `if (${start} + n > length) f.truncatedBody(ch, ${i}, ${start}, n, length);`,
      );
      if (type.kind === "bytes") {
        lines.push(`const ${a} = b.slice(${start}, ${start} + n);`);
      } else {
        lines.push(
          `let ${a};`,
          `try { ${a} = readUtf8(b, ${start}, ${start} + n); } catch { f.badUtf8(ch, ${i}); }`,
        );
      }
      lines.push(`o = ${start} + n;`);
      dynamic = true;
      offset = 0;
      runChecked = false;
    } else {
      lines.push(`const ${a} = ${readSource(type, at(""))};`);
      offset += type.fixedBytes;
    }
  });
  if (layout.variable) {
    lines.push(`if (${at("")} !== length) f.trailing(ch, ${at("")}, length);`);
  }
  lines.push(`h.${layout.name}(${args.join(", ")});`);
  const source = `return function decode_${layout.name}(v, b, length, h, ch) {\n  ${lines.join("\n  ")}\n};`;
  const factory = new Function("f", "readUtf8", source);
  return factory(makeFailures(layout), readUtf8) as DecodeFunction;
}
