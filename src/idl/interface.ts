// defineInterface: an interface declared once, in TypeScript, from which come its encoders, its
// decoders, a typed sender and a typed handler table (Barrelfish's Flounder, without a separate
// compiler: the declaration is a value, and its types are inferred from it).
//
//   const pingPong = defineInterface("ping_pong", { ping: [["val", t.u32]] }, { typeBase: 0x0f00 });
//   pingPong.sender(transport).ping(5);
//   const receive = pingPong.dispatcher({ ping(val) { ... } }, "core0->core1");
//
// A message's 16-bit type is typeBase plus its index in the declaration. The declaration is checked
// here (names, counts against limits.ts, the type range, the fixed size against messageBytesMax);
// then each message's encoder and decoder are compiled once (encode.ts, decode.ts).
import {
  fieldsPerMessageMax,
  idlNameLengthMax,
  messageBytesMax,
  messagesPerInterfaceMax,
  messageTypesMax,
} from "../limits.js";
import { compileDecoder, type DecodeFunction, decoderNeedsView } from "./decode.js";
import {
  compileEncoder,
  compileSlotEncoder,
  type EncodeFunction,
  type SlotEncodeFunction,
} from "./encode.js";
import { type FieldType, isFieldType, type ValueOf } from "./field-types.js";
import { type FieldLayout, isVariable, type MessageLayout } from "./layout.js";
import { MessageBuffer } from "./message-buffer.js";
import { MessageError } from "./message-error.js";
import { rememberChannel, rememberInterface } from "./registry.js";
import { ViewCache } from "./view-cache.js";

/** One field: its name and type. */
export type FieldDeclaration = readonly [name: string, type: FieldType<unknown>];
/** An interface's messages: each name maps to its fields, in wire order. */
export type Declaration = { readonly [message: string]: readonly FieldDeclaration[] };

/** The JavaScript values of a field list, as a tuple of positional arguments. */
export type FieldValues<F extends readonly FieldDeclaration[]> = {
  -readonly [K in keyof F]: F[K] extends readonly [string, infer T] ? ValueOf<T> : never;
};

/** Anything with an interface's declaration, for the helper types below. */
export interface AnyInterface {
  readonly declaration: Declaration;
}

/** Names of the messages of an interface. */
export type MessageName<I extends AnyInterface> = keyof I["declaration"] & string;

/** Positional arguments of message M of interface I: `ArgsOf<typeof pingPong, "ping">` is `[number]`. */
export type ArgsOf<I extends AnyInterface, M extends MessageName<I>> = FieldValues<I["declaration"][M]>;

/** The handler table a dispatcher calls: one method per message. */
export type Handlers<I extends AnyInterface> = {
  [M in MessageName<I>]: (...args: ArgsOf<I, M>) => void;
};

/** A typed sender: one method per message, encoding into the sender's buffer and sending. */
export type Sender<I extends AnyInterface> = {
  readonly [M in MessageName<I>]: (...args: ArgsOf<I, M>) => void;
};

/** What a sender sends through: a URPC channel end, a loopback, a test double. */
export interface Transport {
  readonly name: string;
  send(type: number, bytes: Uint8Array, length: number): void;
  /** Optional: room to encode a one-slot message in place (a URPC slot); see SlotWriter. */
  readonly slot?: SlotWriter | undefined;
}

/**
 * A transport's slots, for encoding a message where it will be read (Flounder's stubs marshal
 * into the URPC slot itself): `reserve()` gives the byte offset of a free slot's payload in
 * `bytes`/`view`, or -1 when there is none now (the sender then encodes into its buffer and calls
 * `send`, which queues); reserving stores nothing, so a reservation that is never committed (an
 * argument the encoder refused, strings too long for the slot) costs nothing. `commit(type,
 * length)` sends the reserved slot.
 */
export interface SlotWriter {
  reserve(): number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  commit(type: number, length: number): void;
}

/** Receives one frame: the message type, its bytes, and how many of them are the payload. */
export type Receive = (type: number, bytes: Uint8Array, length: number) => void;

export interface InterfaceOptions {
  /** Type number of the first message; default 0. */
  readonly typeBase?: number;
}

export interface Interface<D extends Declaration> {
  readonly name: string;
  readonly declaration: D;
  readonly typeBase: number;
  /** Messages declared. */
  readonly count: number;
  /** 16-bit type number of each message. */
  readonly typeOf: { readonly [M in keyof D & string]: number };
  /** Encodes message M into buf from offset 0 and returns its length in bytes. */
  readonly encode: {
    readonly [M in keyof D & string]: (buf: MessageBuffer, ...args: FieldValues<D[M]>) => number;
  };
  /** Name of the message with this type number, or undefined if the interface has none. */
  nameOf(type: number): (keyof D & string) | undefined;
  /** Whether this interface declares a message with this type number. */
  owns(type: number): boolean;
  /** A sender with its own MessageBuffer, sending through transport. */
  sender(transport: Transport): Sender<Interface<D>>;
  /** A receive function that decodes each frame and calls the matching handler. */
  dispatcher(handlers: Handlers<Interface<D>>, channelName: string): Receive;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkName(what: string, name: unknown): string {
  if (typeof name !== "string" || name.length === 0)
    throw new Error(`idl: ${what} has an empty or missing name`);
  if (name.length > idlNameLengthMax) {
    throw new Error(`idl: ${what} "${name}" is longer than ${idlNameLengthMax} characters`);
  }
  if (!identifier.test(name)) {
    throw new Error(
      `idl: ${what} "${name}" is not an identifier (letters, digits, _; not starting with a digit)`,
    );
  }
  if (name in Object.prototype)
    throw new Error(`idl: ${what} "${name}" clashes with an Object.prototype property`);
  return name;
}

function layoutMessages(interfaceName: string, declaration: Declaration, typeBase: number): MessageLayout[] {
  const names = Object.keys(declaration);
  if (names.length === 0) throw new Error(`idl: interface ${interfaceName} declares no messages`);
  if (names.length > messagesPerInterfaceMax) {
    throw new Error(
      `idl: interface ${interfaceName} declares ${names.length} messages, over messagesPerInterfaceMax (${messagesPerInterfaceMax})`,
    );
  }
  if (typeBase + names.length > messageTypesMax) {
    throw new Error(
      `idl: interface ${interfaceName}: typeBase 0x${typeBase.toString(16)} + ${names.length} messages passes the 16-bit type range`,
    );
  }
  return names.map((name, index) => {
    checkName(`message ${interfaceName}.${name}:`, name);
    const where = `${interfaceName}.${name}`;
    const fields = declaration[name];
    if (!Array.isArray(fields)) throw new Error(`idl: ${where}: the fields must be an array of [name, type]`);
    if (fields.length > fieldsPerMessageMax) {
      throw new Error(
        `idl: ${where} declares ${fields.length} fields, over fieldsPerMessageMax (${fieldsPerMessageMax})`,
      );
    }
    const seen = new Set<string>();
    const checked = fields.map((entry: unknown, i) => {
      if (!Array.isArray(entry) || entry.length !== 2)
        throw new Error(`idl: ${where}: field ${i} is not a [name, type] pair`);
      const fieldName = checkName(`field ${i} of ${where}`, entry[0]);
      if (seen.has(fieldName)) throw new Error(`idl: ${where}: field "${fieldName}" is declared twice`);
      seen.add(fieldName);
      const type: unknown = entry[1];
      if (!isFieldType(type))
        throw new Error(`idl: ${where}: field "${fieldName}" has no type from t (t.u32, ...)`);
      return { name: fieldName, type };
    });
    let after = 0;
    const laidOut: FieldLayout[] = new Array(checked.length);
    for (let i = checked.length - 1; i >= 0; i--) {
      const field = checked[i]!;
      laidOut[i] = { name: field.name, type: field.type, fixedBytesAfter: after };
      after += field.type.fixedBytes;
    }
    if (after > messageBytesMax) {
      throw new Error(
        `idl: ${where}: its fixed fields take ${after} bytes, over messageBytesMax (${messageBytesMax})`,
      );
    }
    return {
      interfaceName,
      name,
      index,
      type: typeBase + index,
      fields: laidOut,
      fixedBytes: after,
      variable: checked.some((field) => isVariable(field.type)),
    };
  });
}

/**
 * Compiles a sender method with the message's exact arity, so that calling it allocates nothing.
 * A message of one slot's size or less (with strings: when its values fit), on a transport with
 * slots, is encoded straight into a reserved slot; otherwise (or when no slot is free) into the
 * sender's buffer and sent from there.
 */
function compileSendMethod(
  layout: MessageLayout,
  encode: EncodeFunction,
  encodeSlot: SlotEncodeFunction | undefined,
  buf: MessageBuffer,
  transport: Transport,
): (...args: readonly unknown[]) => void {
  const arity = layout.fields.length;
  const params = Array.from({ length: arity }, (_, i) => `a${i}`).join(", ");
  const args = arity > 0 ? `, ${params}` : "";
  const viaBuffer = `const n = encode(buf${args}); transport.send(${layout.type}, buf.bytes, n);`;
  const slot = transport.slot;
  const source =
    encodeSlot === undefined || slot === undefined
      ? `return function (${params}) { ${viaBuffer} };`
      : `return function (${params}) {
          const p = slot.reserve();
          if (p < 0) { ${viaBuffer} return; }
          const length = encodeSlot(slot.bytes, slot.view, p${args});
          if (length < 0) { ${viaBuffer} return; }
          slot.commit(${layout.type}, length);
        };`;
  return new Function("encode", "encodeSlot", "buf", "transport", "slot", source)(
    encode,
    encodeSlot,
    buf,
    transport,
    slot,
  );
}

/** Declares an interface; see the file comment. The `const` parameter keeps field tuples exact. */
export function defineInterface<const D extends Declaration>(
  name: string,
  declaration: D,
  options: InterfaceOptions = {},
): Interface<D> {
  checkName("interface", name);
  const typeBase = options.typeBase ?? 0;
  if (!Number.isInteger(typeBase) || typeBase < 0 || typeBase >= messageTypesMax) {
    throw new Error(
      `idl: interface ${name}: typeBase ${typeBase} is not an integer in [0, ${messageTypesMax})`,
    );
  }
  const layouts = layoutMessages(name, declaration, typeBase);
  const count = layouts.length;
  const encoders = layouts.map(compileEncoder);
  const slotEncoders = layouts.map(compileSlotEncoder);
  const decoders: DecodeFunction[] = layouts.map(compileDecoder);
  const needsView = layouts.some(decoderNeedsView);
  const names = layouts.map((layout) => layout.name);
  const typeOf: Record<string, number> = {};
  const encode: Record<string, EncodeFunction> = {};
  layouts.forEach((layout, i) => {
    typeOf[layout.name] = layout.type;
    encode[layout.name] = encoders[i]!;
  });
  type Name = keyof D & string;

  const iface: Interface<D> = {
    name,
    declaration,
    typeBase,
    count,
    typeOf: Object.freeze(typeOf) as Interface<D>["typeOf"],
    encode: Object.freeze(encode) as unknown as Interface<D>["encode"],
    nameOf(type: number): Name | undefined {
      const index = type - typeBase;
      return index >= 0 && index < count && Number.isInteger(index) ? (names[index] as Name) : undefined;
    },
    owns(type: number): boolean {
      const index = type - typeBase;
      return index >= 0 && index < count && Number.isInteger(index);
    },
    sender(transport: Transport): Sender<Interface<D>> {
      rememberChannel(transport.name, iface);
      const buf = new MessageBuffer();
      const sender: Record<string, (...args: readonly unknown[]) => void> = {};
      layouts.forEach((layout, i) => {
        sender[layout.name] = compileSendMethod(layout, encoders[i]!, slotEncoders[i], buf, transport);
      });
      return Object.freeze(sender) as unknown as Sender<Interface<D>>;
    },
    dispatcher(handlers: Handlers<Interface<D>>, channelName: string): Receive {
      rememberChannel(channelName, iface);
      for (const layout of layouts) {
        const handler = (handlers as Record<string, unknown>)[layout.name];
        if (typeof handler !== "function") {
          throw new Error(
            `idl: dispatcher for ${name} on channel "${channelName}": no handler for message ${layout.name}`,
          );
        }
      }
      // Only an interface with floats or 64-bit integers reads through a view; the others get any.
      const views = needsView ? new ViewCache() : undefined;
      const noView = new DataView(new ArrayBuffer(0));
      return (type: number, bytes: Uint8Array, length: number): void => {
        const index = type - typeBase;
        if (!(index >= 0 && index < count) || !Number.isInteger(index)) {
          throw new MessageError(
            { interfaceName: name, channelName },
            `unknown message type 0x${type.toString(16)} (this interface owns 0x${typeBase.toString(16)}..0x${(typeBase + count - 1).toString(16)})`,
          );
        }
        if (
          !(length >= 0 && length <= bytes.length && length <= messageBytesMax) ||
          !Number.isInteger(length)
        ) {
          throw new MessageError(
            { interfaceName: name, messageName: names[index]!, channelName },
            `frame length ${length} is not in [0, ${Math.min(bytes.length, messageBytesMax)}]`,
          );
        }
        decoders[index]!(
          views === undefined ? noView : views.viewOf(bytes),
          bytes,
          length,
          handlers,
          channelName,
        );
      };
    },
  };
  rememberInterface(iface);
  return Object.freeze(iface);
}
