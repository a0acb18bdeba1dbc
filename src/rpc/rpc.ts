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
//   rpc_closed(reason string)                 server → client, when the server closes its end first
//                                             (its dispatcher ended, and why): every call still in
//                                             flight rejects with the reason, and so does every
//                                             later call; the client closes instead of waiting for
//                                             replies that cannot come
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
// clear error (back-pressure is the caller's, never an unbounded queue). A client may also bound
// how long a call waits for its reply (callTimeout, with the platform's timers: one sweep timer per
// client while calls are in flight, not one per call). `close()` rejects every call still in
// flight; so does `fail(why)` on the client's end, for a server its platform knows is gone (its
// core failed). Every value a handler throws is described without throwing (describeThrown), so a
// caller always gets an answer.
//
// One-way messages are not answered, so nothing paces a stream of them but the channel: a port
// holds messages back while its channel has no room, up to a bound (limits.portBacklogMax on the
// real platform and for the simulator's dispatcher channels), and a send that finds that full
// throws, naming the method and the remedy. `drained()` is the remedy: it resolves once every
// message the binding sent so far has left its port's wait (is in the channel; at once when nothing
// waits or the transport holds nothing back), and rejects when the binding closes or fails first
// (with the reason a call would get) or, with a callTimeout, after that long ("no room within ..."),
// so that a producer awaits it every so many sends. At most rpcDrainWaitsMax drained() wait at once.
// The names `close`, `drained` and `then` are reserved: a client is a plain object with one method per rpc plus
// close() and drained(), and it must not look like a promise.
//
// This file declares; the two ends live in rpc-client.ts and rpc-server.ts, and the wire names and
// error texts they share in rpc-wire.ts.

import type { PortDrain, TimerHandle } from "../cpu-driver/core-env.js";
import type { CoreActivity } from "../cpu-driver/cpu-driver.js";
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
import { idlNameLengthMax, rpcErrorMessageBytesMax } from "../limits.js";
import { makeClient } from "./rpc-client.js";
import { makeServer } from "./rpc-server.js";
import {
  callSuffix,
  closedMessageName,
  closeMessageName,
  errorMessageName,
  messageSuffix,
  replySuffix,
} from "./rpc-wire.js";

export { errorText, RpcError } from "./rpc-wire.js";

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

export type FieldsOf<E, K extends string> = E extends {
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

/** A typed client: one async method per rpc, one sending method per message, plus close() and drained(). */
export type RpcClient<R extends RpcDeclaration> = {
  readonly [M in RpcMethodName<R>]: R[M] extends RpcMessageDeclaration
    ? (...args: CallArgs<R, M>) => void
    : (...args: CallArgs<R, M>) => Promise<ReplyValues<R, M>>;
} & {
  /** Rejects every call in flight and closes the channel under the client; idempotent. */
  close(): void;
  /**
   * Resolves once every message this client has sent so far has left its port's wait for room (is
   * in the channel); at once when none waits. Rejects when the binding closes or fails first, with
   * the reason a call would get, and after the binding's call timeout ("no room within N ms"). A
   * stream of one-way messages awaits it every so many sends, so that it never finds the wait
   * full (docs/domains.md).
   */
  drained(): Promise<void>;
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
  /** How many messages wait for room, and when they are out (PortDrain); none wait without it. */
  readonly drain?: PortDrain | undefined;
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
  /**
   * Client only: a call with no reply after this long rejects ("no reply within ..."), so that a
   * server that never answers (its core stopped, say) is an error, not a hang; so does a drained()
   * with no room after this long ("no room within ..."). A reply that comes
   * after it is dropped. Timers come from the platform: one sweep every ns / rpcCallTimeoutSweeps
   * while calls are in flight, so a call rejects between ns and (1 + 1/rpcCallTimeoutSweeps) ns
   * after it was sent. Default here: no timeout (a domain's bindings get rpcCallTimeoutMsDefault).
   */
  readonly callTimeout?: CallTimeout;
  /**
   * Client only: what errors call the server, e.g. `service "calc"`; default `the server on
   * "<transport name>"`.
   */
  readonly peer?: string;
  /**
   * Client only: where to count this client's calls in flight (the core's CPU driver, through
   * CoreEnv.activity), so that the core polls for their replies instead of sleeping.
   */
  readonly activity?: CoreActivity | undefined;
}

/** A bound on how long a call waits for its reply, and the platform's timers to enforce it. */
export interface CallTimeout {
  readonly ns: number;
  readonly setTimer: (delayNs: number, onFire: () => void) => TimerHandle;
}

/** A client and the receive function its transport must deliver to. */
export interface RpcClientEnd<R extends RpcDeclaration> {
  readonly client: RpcClient<R>;
  readonly receive: Receive;
  /** Calls sent and not yet answered. */
  inFlight(): number;
  /**
   * The server is gone (its core failed, say): every call in flight rejects with `why`, later calls
   * too, and the client closes without telling the server; idempotent.
   */
  fail(why: string): void;
}

/** A server and the receive function its transport must deliver to. */
export interface RpcServerEnd {
  readonly receive: Receive;
  /**
   * Tells the client why (rpc_closed, `reason`: "its domain ended", say), drops replies of calls
   * still being handled and closes the transport; idempotent.
   */
  close(reason?: string): void;
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
  /** The messages on the wire (m_call and m_reply per method, m_message per message, then rpc_error, rpc_close and rpc_closed). */
  readonly wire: Interface<Declaration>;
  /** Whether a message type is a call (server-bound) rather than a reply or an error (client-bound). */
  isCall(type: number): boolean;
  client(transport: RpcTransport, options?: RpcEndOptions): RpcClientEnd<R>;
  server(transport: RpcTransport, handlers: RpcHandlers<R>, options?: RpcEndOptions): RpcServerEnd;
}

const reservedMethods = new Set(["close", "drained", "then"]);

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
        `rpc ${name}: method name "${method}" is reserved (clients have close() and drained(); then makes a thenable)`,
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
  wireDeclaration[closedMessageName] = [["reason", t.string(rpcErrorMessageBytesMax)]];
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
