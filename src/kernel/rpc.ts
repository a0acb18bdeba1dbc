// defineRpc: split-phase remote procedure calls declared once, carried as messages of a declared
// interface (Flounder's `rpc` entries, built on src/idl's defineInterface).
//
//   const kv = defineRpc("kv", {
//     get: { call: [["key", t.string(64)]], reply: [["value", t.string(256)], ["found", t.bool]] },
//   });
//   const [value, found] = await client.get("a");          // client side: one promise per call
//   kv.server(end, { get: async (key) => [map.get(key) ?? "", map.has(key)] });  // server side
//
// Wire format. Each rpc method `m` becomes two messages, in declaration order:
//   m_call(requestId u32, ...call fields)     client → server
//   m_reply(requestId u32, ...reply fields)   server → client, when the handler succeeded
// and the interface ends with two more messages shared by every method:
//   rpc_error(requestId u32, message string)  server → client, when the handler threw or rejected
//   rpc_close()                               client → server, when the client closes: the server
//                                             closes its end too (its `onClosed` hears of it)
// so a failed call carries no reply fields at all, only the error's text (cut to
// rpcErrorMessageBytesMax bytes). The request id pairs a reply with its call; replies may come in
// any order, because handlers may answer later (they return a tuple or a promise of one).
//
// An entry may instead be a one-way message, `{ message: [...fields] }`, sent client → server as
//   m_message(...fields)                      no request id, no reply
// Its client method sends and returns nothing (throwing at once on bad arguments); its handler
// returns nothing, and a handler that fails is reported on the server's side only (onError).
// Messages and calls on one binding arrive in the order they were sent (the channel is FIFO).
//
// One rule for values: a call's arguments are its call fields, positionally; its result is always
// the tuple of its reply fields (`[]` for none, `[sum]` for one), and a handler returns that tuple.
//
// A client holds at most rpcCallsInFlightMax calls in flight; one more is rejected at once with a
// clear error (back-pressure is the caller's, never an unbounded queue). `close()` rejects every
// call still in flight. The names `close` and `then` are reserved: a client is a plain object with
// one method per rpc plus close(), and it must not look like a promise.
import {
  type Declaration,
  defineInterface,
  type FieldDeclaration,
  type FieldValues,
  type Interface,
  type Receive,
  type Transport,
  t,
} from "../idl/index.js";
import { idlNameLengthMax, rpcCallsInFlightMax, rpcErrorMessageBytesMax } from "../limits.js";

/** One rpc method: the fields of its call and of its reply. */
export interface RpcMethodDeclaration {
  readonly call: readonly FieldDeclaration[];
  readonly reply: readonly FieldDeclaration[];
}

/** One one-way message (Flounder's `message`): client to server, no reply, no request id. */
export interface RpcMessageDeclaration {
  readonly message: readonly FieldDeclaration[];
}

/** An rpc interface's entries (rpc methods and one-way messages), by name. */
export type RpcDeclaration = { readonly [method: string]: RpcMethodDeclaration | RpcMessageDeclaration };

/** Names of the entries of R, rpc methods and messages alike. */
export type RpcMethodName<R extends RpcDeclaration> = keyof R & string;
/** Names of the rpc methods of R (the entries that have a reply). */
export type RpcCallName<R extends RpcDeclaration> = {
  [M in RpcMethodName<R>]: R[M] extends RpcMessageDeclaration ? never : M;
}[RpcMethodName<R>];

type FieldsOf<E, K extends string> = E extends {
  readonly [P in K]: infer F extends readonly FieldDeclaration[];
}
  ? F
  : [];
/** Positional arguments of entry M: a method's call fields, or a message's fields. */
export type CallArgs<R extends RpcDeclaration, M extends RpcMethodName<R>> = FieldValues<
  R[M] extends RpcMessageDeclaration ? FieldsOf<R[M], "message"> : FieldsOf<R[M], "call">
>;
/** The reply of method M: always the tuple of its reply fields. */
export type ReplyValues<R extends RpcDeclaration, M extends RpcMethodName<R>> = FieldValues<
  FieldsOf<R[M], "reply">
>;

/** A typed client: one async method per rpc, one sending method per message, plus close(). */
export type RpcClient<R extends RpcDeclaration> = {
  readonly [M in RpcMethodName<R>]: R[M] extends RpcMessageDeclaration
    ? (...args: CallArgs<R, M>) => void
    : (...args: CallArgs<R, M>) => Promise<ReplyValues<R, M>>;
} & {
  /** Rejects every call in flight and closes the channel under the client; idempotent. */
  close(): void;
};

/** A server's handlers: an rpc's may answer at once or later; a message's return nothing. */
export type RpcHandlers<R extends RpcDeclaration> = {
  readonly [M in RpcMethodName<R>]: R[M] extends RpcMessageDeclaration
    ? (...args: CallArgs<R, M>) => void | PromiseLike<void>
    : (...args: CallArgs<R, M>) => ReplyValues<R, M> | PromiseLike<ReplyValues<R, M>>;
};

/** A transport a client or server may own; closed with it when it has close(). */
export interface RpcTransport extends Transport {
  close?(): void;
}

export interface RpcEndOptions {
  /**
   * Where a protocol error goes (a malformed frame, a reply nobody waits for, a call sent to a
   * client). Default: thrown to whoever delivered the frame.
   */
  readonly onError?: (error: Error) => void;
  /** Server only: the client closed the binding (rpc_close); the server has closed its end. */
  readonly onClosed?: () => void;
  /** Calls in flight a client allows; default and most rpcCallsInFlightMax. */
  readonly callsInFlightMax?: number;
}

/** A client and the receive function its transport must deliver to. */
export interface RpcClientEnd<R extends RpcDeclaration> {
  readonly client: RpcClient<R>;
  readonly receive: Receive;
  /** Calls sent and not yet answered. */
  inFlight(): number;
}

/** A server and the receive function its transport must deliver to. */
export interface RpcServerEnd {
  readonly receive: Receive;
  /** Drops replies of calls still being handled and closes the transport; idempotent. */
  close(): void;
}

/** Options of defineRpc. */
export interface RpcOptions {
  /** Type number of the first message (see src/idl); default 0. */
  readonly typeBase?: number;
}

/** A declared rpc interface: its wire interface, and clients and servers over any transport. */
export interface RpcInterface<R extends RpcDeclaration> {
  readonly name: string;
  readonly declaration: R;
  /** The methods, in declaration order. */
  readonly methods: readonly RpcMethodName<R>[];
  /** A canonical text of the declaration: "kv{get(key:string(64))->(value:string(256),found:bool)}". */
  readonly signature: string;
  /** 32-bit FNV-1a hash of the signature: two sides agree on the interface only if this matches. */
  readonly fingerprint: number;
  /** The messages on the wire (m_call, m_reply per method, then rpc_error). */
  readonly wire: Interface<Declaration>;
  /** Whether a message type is a call (server-bound) rather than a reply or an error (client-bound). */
  isCall(type: number): boolean;
  client(transport: RpcTransport, options?: RpcEndOptions): RpcClientEnd<R>;
  server(transport: RpcTransport, handlers: RpcHandlers<R>, options?: RpcEndOptions): RpcServerEnd;
}

/** The error a call rejects with when the server's handler threw: names the rpc, the method and the server's text. */
export class RpcError extends Error {
  override readonly name = "RpcError";
  constructor(
    readonly rpcName: string,
    readonly method: string,
    readonly remoteMessage: string,
  ) {
    super(`${rpcName}.${method}: ${remoteMessage}`);
  }
}

const reservedMethods = new Set(["close", "then"]);
const callSuffix = "_call";
const replySuffix = "_reply";
const messageSuffix = "_message";
const errorMessageName = "rpc_error";
const closeMessageName = "rpc_close";
const utf8 = new TextEncoder();

/** The text of anything thrown, cut to fit the error message's field. */
export function errorText(thrown: unknown): string {
  const text = thrown instanceof Error ? thrown.message : String(thrown);
  if (text.length * 3 <= rpcErrorMessageBytesMax) return text;
  const room = new Uint8Array(rpcErrorMessageBytesMax);
  const { read } = utf8.encodeInto(text, room);
  if (read === text.length) return text;
  // "…" is three UTF-8 bytes; encodeInto never splits a code point.
  const cut = utf8.encodeInto(text, new Uint8Array(rpcErrorMessageBytesMax - 3)).read;
  return `${text.slice(0, cut)}…`;
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

function fieldsSignature(fields: readonly FieldDeclaration[]): string {
  return fields.map(([name, type]) => `${name}:${type.label}`).join(",");
}

function checkDeclaration(name: string, declaration: RpcDeclaration): string[] {
  if (typeof declaration !== "object" || declaration === null)
    throw new Error(`rpc ${name}: the declaration must be an object of methods`);
  const methods = Object.keys(declaration);
  if (methods.length === 0) throw new Error(`rpc ${name}: declares no methods`);
  for (const method of methods) {
    if (reservedMethods.has(method))
      throw new Error(
        `rpc ${name}: method name "${method}" is reserved (clients have close(); then makes a thenable)`,
      );
    if (method.length + messageSuffix.length > idlNameLengthMax) {
      throw new Error(
        `rpc ${name}: method name "${method}" is longer than ${idlNameLengthMax - messageSuffix.length} characters`,
      );
    }
    const entry = declaration[method] as Partial<RpcMethodDeclaration & RpcMessageDeclaration> | undefined;
    const isMethod =
      typeof entry === "object" &&
      entry !== null &&
      Array.isArray(entry.call) &&
      Array.isArray(entry.reply) &&
      entry.message === undefined;
    const isMessage =
      typeof entry === "object" &&
      entry !== null &&
      Array.isArray(entry.message) &&
      entry.call === undefined &&
      entry.reply === undefined;
    if (!isMethod && !isMessage) {
      throw new Error(
        `rpc ${name}.${method}: must be { call: [[name, type], ...], reply: [[name, type], ...] } or { message: [[name, type], ...] }`,
      );
    }
    for (const [list, fields] of [
      ["call", entry!.call ?? []],
      ["reply", entry!.reply ?? []],
    ] as const) {
      for (const field of fields) {
        if (Array.isArray(field) && field[0] === "requestId")
          throw new Error(`rpc ${name}.${method}: ${list} field name "requestId" is reserved for the wire`);
      }
    }
  }
  return methods;
}

/** Declares an rpc interface; see the file comment. */
export function defineRpc<const R extends RpcDeclaration>(
  name: string,
  declaration: R,
  options: RpcOptions = {},
): RpcInterface<R> {
  const methods = checkDeclaration(name, declaration) as RpcMethodName<R>[];
  const wireDeclaration: Record<string, readonly FieldDeclaration[]> = {};
  const signatureParts: string[] = [];
  for (const method of methods) {
    const entry = declaration[method]!;
    if ("message" in entry) {
      wireDeclaration[method + messageSuffix] = entry.message;
      signatureParts.push(`${method}!(${fieldsSignature(entry.message)})`);
      continue;
    }
    wireDeclaration[method + callSuffix] = [["requestId", t.u32], ...entry.call];
    wireDeclaration[method + replySuffix] = [["requestId", t.u32], ...entry.reply];
    signatureParts.push(`${method}(${fieldsSignature(entry.call)})->(${fieldsSignature(entry.reply)})`);
  }
  wireDeclaration[errorMessageName] = [
    ["requestId", t.u32],
    ["message", t.string(rpcErrorMessageBytesMax)],
  ];
  wireDeclaration[closeMessageName] = [];
  const wire: Interface<Declaration> = defineInterface(
    name,
    wireDeclaration,
    options.typeBase === undefined ? {} : { typeBase: options.typeBase },
  );
  const signature = `${name}{${signatureParts.join(";")}}`;
  const serverBound = new Set<number>([wire.typeOf[closeMessageName]!]);
  for (const method of methods) {
    const type = wire.typeOf[method + callSuffix] ?? wire.typeOf[method + messageSuffix];
    serverBound.add(type!);
  }

  const rpc: RpcInterface<R> = {
    name,
    declaration,
    methods,
    signature,
    fingerprint: fnv1a32(signature),
    wire,
    isCall: (type: number): boolean => serverBound.has(type),
    client: (transport, endOptions = {}) => makeClient(rpc, transport, endOptions),
    server: (transport, handlers, endOptions = {}) => makeServer(rpc, transport, handlers, endOptions),
  };
  return Object.freeze(rpc);
}

type AnyArgs = readonly unknown[];
type SendFunction = (...args: AnyArgs) => void;

interface PendingCall {
  readonly method: string;
  readonly resolve: (values: unknown[]) => void;
  readonly reject: (error: Error) => void;
}

function reportOrThrow(options: RpcEndOptions): (error: Error) => void {
  return (
    options.onError ??
    ((error) => {
      throw error;
    })
  );
}

function makeClient<R extends RpcDeclaration>(
  rpc: RpcInterface<R>,
  transport: RpcTransport,
  options: RpcEndOptions,
): RpcClientEnd<R> {
  const callsInFlightMax = options.callsInFlightMax ?? rpcCallsInFlightMax;
  if (!Number.isInteger(callsInFlightMax) || callsInFlightMax < 1 || callsInFlightMax > rpcCallsInFlightMax) {
    throw new Error(
      `rpc ${rpc.name}: callsInFlightMax ${callsInFlightMax} is not in [1, ${rpcCallsInFlightMax}]`,
    );
  }
  const onError = reportOrThrow(options);
  const sender = rpc.wire.sender(transport) as unknown as Record<string, SendFunction>;
  const pending = new Map<number, PendingCall>();
  let nextRequestId = 1;
  let closed = false;

  const call = (method: string, arity: number, args: AnyArgs): Promise<unknown[]> => {
    if (closed) return Promise.reject(new Error(`${rpc.name}.${method}: the binding is closed`));
    if (args.length !== arity) {
      return Promise.reject(
        new Error(`${rpc.name}.${method}: takes ${arity} argument(s), was given ${args.length}`),
      );
    }
    if (pending.size >= callsInFlightMax) {
      return Promise.reject(
        new Error(
          `${rpc.name}.${method}: ${callsInFlightMax} calls already in flight on "${transport.name}" (rpcCallsInFlightMax); await replies before calling again`,
        ),
      );
    }
    while (pending.has(nextRequestId)) nextRequestId = (nextRequestId + 1) >>> 0;
    const requestId = nextRequestId;
    nextRequestId = (nextRequestId + 1) >>> 0;
    return new Promise<unknown[]>((resolve, reject) => {
      pending.set(requestId, { method, resolve, reject });
      try {
        sender[method + callSuffix]!(requestId, ...args);
      } catch (error) {
        pending.delete(requestId);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  };

  const settle = (requestId: number, what: string): PendingCall | undefined => {
    const entry = pending.get(requestId);
    if (entry === undefined) {
      onError(
        new Error(
          `${rpc.name}: ${what} for request ${requestId}, which is not in flight on "${transport.name}"`,
        ),
      );
      return undefined;
    }
    pending.delete(requestId);
    return entry;
  };

  const handlers: Record<string, (...args: unknown[]) => void> = {};
  const client: Record<string, unknown> = {};
  for (const method of rpc.methods) {
    const entry = rpc.declaration[method]!;
    if ("message" in entry) {
      const arity = entry.message.length;
      client[method] = (...args: AnyArgs): void => {
        if (closed) throw new Error(`${rpc.name}.${method}: the binding is closed`);
        if (args.length !== arity)
          throw new Error(`${rpc.name}.${method}: takes ${arity} argument(s), was given ${args.length}`);
        sender[method + messageSuffix]!(...args);
      };
      handlers[method + messageSuffix] = () =>
        onError(new Error(`${rpc.name}: a client on "${transport.name}" received a message ${method}`));
      continue;
    }
    const arity = entry.call.length;
    client[method] = (...args: AnyArgs) => call(method, arity, args);
    handlers[method + callSuffix] = () =>
      onError(new Error(`${rpc.name}: a client on "${transport.name}" received a call of ${method}`));
    handlers[method + replySuffix] = (requestId, ...values) => {
      const entry = settle(requestId as number, `a reply of ${method}`);
      if (entry === undefined) return;
      if (entry.method !== method) {
        entry.reject(new Error(`${rpc.name}.${entry.method}: the server answered with a reply of ${method}`));
        return;
      }
      entry.resolve(values);
    };
  }
  handlers[closeMessageName] = () =>
    onError(new Error(`${rpc.name}: a client on "${transport.name}" received an rpc_close`));
  handlers[errorMessageName] = (requestId, message) => {
    const entry = settle(requestId as number, "an error");
    if (entry !== undefined) entry.reject(new RpcError(rpc.name, entry.method, message as string));
  };
  client.close = () => {
    if (closed) return;
    closed = true;
    const waiting = [...pending.values()];
    pending.clear();
    for (const entry of waiting)
      entry.reject(new Error(`${rpc.name}.${entry.method}: the binding was closed`));
    try {
      sender[closeMessageName]!();
    } catch {
      // The channel may be gone already (its end closed under us); closing goes on regardless.
    }
    transport.close?.();
  };

  const dispatch = rpc.wire.dispatcher(handlers as never, transport.name);
  const receive: Receive = (type, bytes, length) => {
    if (closed) return;
    try {
      dispatch(type, bytes, length);
    } catch (error) {
      onError(error instanceof Error ? error : new Error(String(error)));
    }
  };
  return {
    client: Object.freeze(client) as RpcClient<R>,
    receive,
    inFlight: () => pending.size,
  };
}

function makeServer<R extends RpcDeclaration>(
  rpc: RpcInterface<R>,
  transport: RpcTransport,
  handlers: RpcHandlers<R>,
  options: RpcEndOptions,
): RpcServerEnd {
  for (const method of rpc.methods) {
    if (typeof (handlers as Record<string, unknown>)[method] !== "function")
      throw new Error(`rpc ${rpc.name}: no handler for method ${method}`);
  }
  const onError = reportOrThrow(options);
  const sender = rpc.wire.sender(transport) as unknown as Record<string, SendFunction>;
  let closed = false;

  const sendError = (requestId: number, thrown: unknown): void => {
    if (closed) return;
    sender[errorMessageName]!(requestId, errorText(thrown));
  };
  const sendReply = (method: string, arity: number, requestId: number, values: unknown): void => {
    if (closed) return;
    if (!Array.isArray(values) || values.length !== arity) {
      sendError(
        requestId,
        `the handler of ${method} returned ${describe(values)}, not a tuple of ${arity} reply value(s)`,
      );
      return;
    }
    try {
      sender[method + replySuffix]!(requestId, ...values);
    } catch (error) {
      sendError(requestId, `the handler of ${method} returned a bad reply: ${errorText(error)}`);
    }
  };

  const wireHandlers: Record<string, (...args: unknown[]) => void> = {};
  for (const method of rpc.methods) {
    const handler = (handlers as unknown as Record<string, (...args: unknown[]) => unknown>)[method]!;
    const entry = rpc.declaration[method]!;
    if ("message" in entry) {
      // No reply goes back for a message; a failing handler is reported on this side only.
      const failed = (error: unknown): void =>
        onError(new Error(`${rpc.name}.${method}: the message handler failed: ${errorText(error)}`));
      wireHandlers[method + messageSuffix] = (...args) => {
        try {
          const result = handler(...args);
          if (isPromiseLike(result)) result.then(undefined, failed);
        } catch (error) {
          failed(error);
        }
      };
      continue;
    }
    const arity = entry.reply.length;
    wireHandlers[method + callSuffix] = (requestId, ...args) => {
      const id = requestId as number;
      let result: unknown;
      try {
        result = handler(...args);
      } catch (error) {
        sendError(id, error);
        return;
      }
      if (isPromiseLike(result)) {
        result.then(
          (values) => sendReply(method, arity, id, values),
          (error: unknown) => sendError(id, error),
        );
      } else {
        sendReply(method, arity, id, result);
      }
    };
    wireHandlers[method + replySuffix] = () =>
      onError(new Error(`${rpc.name}: a server on "${transport.name}" received a reply of ${method}`));
  }
  wireHandlers[errorMessageName] = () =>
    onError(new Error(`${rpc.name}: a server on "${transport.name}" received an rpc_error`));
  const close = (): void => {
    if (closed) return;
    closed = true;
    transport.close?.();
  };
  wireHandlers[closeMessageName] = () => {
    close();
    options.onClosed?.();
  };

  const dispatch = rpc.wire.dispatcher(wireHandlers as never, transport.name);
  return {
    receive: (type, bytes, length) => {
      if (closed) return;
      try {
        dispatch(type, bytes, length);
      } catch (error) {
        onError(error instanceof Error ? error : new Error(String(error)));
      }
    },
    close,
  };
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return value === null ? "null" : typeof value;
}
