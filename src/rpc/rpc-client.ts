// The client end of an rpc binding: one promise per call, paired with its reply by request id.
//
// A call takes a fresh request id (u32, never 0) whose low bits pick a free slot of the pending
// table, records the promise's resolve and reject there, and sends m_call; m_reply resolves it with
// the reply tuple, rpc_error rejects it with an RpcError carrying the server's text. At most
// callsInFlightMax calls wait at once; one more is rejected at once. With a callTimeout, each call
// is stamped with the client's sweep epoch, and one timer per client (armed by the first call when
// none is, re-armed by each sweep while calls remain) ends each epoch: a sweep rejects the calls
// stamped rpcCallTimeoutSweeps + 1 epochs ago, and their late replies are dropped. So the hot path
// pays a store per call, not a timer, and an idle client holds no timer past its last sweep. A
// message entry sends m_message and returns nothing. close() rejects every call still waiting,
// tells the server (rpc_close) and closes the transport (when the port's wait for room is full,
// rpc_close waits for room, bounded by the call timeout, and the transport closes after it); rpc_closed from the server (its end closed
// first, with a reason) and fail(why) from the platform (the server's core failed) reject every
// call still waiting and every later call with that reason, and close the client the same way,
// without telling the server. Frames a client should never get
// (a call, an unknown request id, a malformed frame) go to onError. With `activity`, the calls in
// flight are counted there too, so that the core's CPU driver polls instead of sleeping while
// replies are due.
//
// drained() asks the transport's PortDrain (core-env.ts) to call back once what waits now has left
// the port's wait, and bounds that with one platform timer of the call timeout; both are made only
// when drained() is called and something waits, never per message. The waits are kept in a set,
// so that close and fail reject them as they reject calls. A send the port refuses because its
// wait is full (PortFullError) is re-thrown (or, for a call, rejected) naming the method and
// drained(), with the port's error as its cause; any other send error is left as it is.
//
// The hot path allocates only what the API hands out (the promise and the reply tuple): the
// pending table is arrays indexed by slot, not a map of records; each method's function is
// compiled with the method's exact arity (as src/idl compiles its senders), so that no argument
// array is built or spread; the promise's resolvers are caught by one shared executor function.

import type { TimerHandle } from "../cpu-driver/core-env.js";
import type { CoreActivity } from "../cpu-driver/cpu-driver.js";
import { thrownError } from "../cpu-driver/describe-thrown.js";
import { isPortFull } from "../cpu-driver/port-full-error.js";
import type { Receive } from "../idl/index.js";
import { rpcCallsInFlightMax, rpcCallTimeoutSweeps, rpcDrainWaitsMax } from "../limits.js";
import type {
  RpcClient,
  RpcClientEnd,
  RpcDeclaration,
  RpcEndOptions,
  RpcInterface,
  RpcTransport,
} from "./rpc.js";
import {
  callSuffix,
  closedMessageName,
  closeMessageName,
  errorMessageName,
  messageSuffix,
  RpcError,
  replySuffix,
  reportOrThrow,
} from "./rpc-wire.js";

type SendFunction = (...args: readonly unknown[]) => void;
type Resolve = (values: unknown[]) => void;
type Reject = (error: Error) => void;

/** The resolvers of the promise being made: set by `capture`, read at once by the caller. */
let capturedResolve: Resolve | undefined;
let capturedReject: Reject | undefined;
/** One executor for every call's promise, so that making a promise allocates no closure. */
function capture(resolve: Resolve, reject: Reject): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/** One drained() waiting: its promise's resolvers, the port's callback and the timer bounding it. */
interface DrainWait {
  readonly resolve: () => void;
  readonly reject: Reject;
  port: TimerHandle | undefined;
  timer: TimerHandle | undefined;
}

/**
 * What a send refused by the port for a full wait (PortFullError) is re-thrown as: the method, the
 * facts and the remedy, the port's error as cause. Any other error is returned as it is.
 */
export function sendRefusal(rpcName: string, method: string, error: unknown): unknown {
  if (!isPortFull(error)) return error;
  return new Error(
    `${rpcName}.${method}: ${error.messagesWaiting} messages already wait for room on "${error.portName}" (limits.${error.limitName}); await drained() on the binding before sending more`,
    { cause: error },
  );
}

/** Parameter names a0..a(n-1), for compiled functions. */
function params(arity: number): string {
  return Array.from({ length: arity }, (_, i) => `a${i}`).join(", ");
}

/** The pending calls of one client: a table of slots, each free (id 0) or holding one call. */
class PendingCalls {
  readonly ids: Uint32Array;
  readonly methods: Int32Array;
  readonly resolves: Array<Resolve | undefined>;
  readonly rejects: Array<Reject | undefined>;
  /** The sweep epoch each call was sent in (with a call timeout). */
  readonly epochs: Int32Array;
  readonly mask: number;
  size = 0;

  constructor(
    callsInFlightMax: number,
    /** Where the core counts calls in flight: one more per call recorded, one less per slot freed. */
    private readonly activity: CoreActivity,
  ) {
    let capacity = 1;
    while (capacity < callsInFlightMax) capacity *= 2;
    this.mask = capacity - 1;
    this.ids = new Uint32Array(capacity);
    this.methods = new Int32Array(capacity);
    this.resolves = new Array(capacity).fill(undefined);
    this.rejects = new Array(capacity).fill(undefined);
    this.epochs = new Int32Array(capacity);
  }

  /** Records call `id` of method `method` in its slot, which is free. */
  record(id: number, method: number, resolve: Resolve, reject: Reject): number {
    const slot = id & this.mask;
    this.ids[slot] = id;
    this.methods[slot] = method;
    this.resolves[slot] = resolve;
    this.rejects[slot] = reject;
    this.size++;
    this.activity.callsInFlight++;
    return slot;
  }

  /** Empties slot `slot`; the caller has read what it needs. */
  free(slot: number): void {
    this.ids[slot] = 0;
    this.resolves[slot] = undefined;
    this.rejects[slot] = undefined;
    this.size--;
    this.activity.callsInFlight--;
  }
}

export function makeClient<R extends RpcDeclaration>(
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
  const timeout = options.callTimeout;
  if (timeout !== undefined && !(timeout.ns > 0 && Number.isFinite(timeout.ns)))
    throw new Error(`rpc ${rpc.name}: call timeout ${timeout.ns} ns is not a positive number`);
  const onError = reportOrThrow(options.onError);
  const peer = options.peer ?? `the server on "${transport.name}"`;
  /** Ids of calls that timed out, so that their late replies are dropped quietly (oldest forgotten first). */
  const timedOut = new Set<number>();
  const sender = rpc.wire.sender(transport) as unknown as Record<string, SendFunction>;
  const pending = new PendingCalls(callsInFlightMax, options.activity ?? { callsInFlight: 0 });
  const methodNames = rpc.methods as readonly string[];
  let nextRequestId = 1;
  let closed = false;
  /** Why later calls are refused, once the binding closed; "" while open. */
  let closedWhy = "";
  /** The sweep epoch: calls sent now are stamped with it; each sweep adds one. */
  let sweepEpoch = 0;
  let sweepArmed = false;

  /** Rejects the promise being made (its resolvers were just captured) with `message`. */
  const refuse = (message: string): void => {
    capturedReject!(new Error(message));
  };

  /** Records the call whose promise was just made; returns its request id, or 0 after refusing it. */
  const register = (method: number, arity: number, given: number): number => {
    const name = methodNames[method]!;
    if (closed) {
      refuse(`${rpc.name}.${name}: ${closedWhy}`);
      return 0;
    }
    if (given !== arity) {
      refuse(`${rpc.name}.${name}: takes ${arity} argument(s), was given ${given}`);
      return 0;
    }
    if (pending.size >= callsInFlightMax) {
      refuse(
        `${rpc.name}.${name}: ${callsInFlightMax} calls already in flight on "${transport.name}" (rpcCallsInFlightMax); await replies before calling again`,
      );
      return 0;
    }
    let id = nextRequestId;
    while (id === 0 || pending.ids[id & pending.mask] !== 0 || (timedOut.size > 0 && timedOut.has(id)))
      id = (id + 1) >>> 0;
    nextRequestId = (id + 1) >>> 0;
    const reject = capturedReject!;
    const slot = pending.record(id, method, capturedResolve!, reject);
    if (timeout !== undefined) {
      pending.epochs[slot] = sweepEpoch;
      if (!sweepArmed) {
        const failure = armSweep();
        if (failure !== undefined) {
          // No timer, no call: the slot is freed and the call fails with why (nothing was sent).
          pending.free(slot);
          reject(failure);
          return 0;
        }
      }
    }
    return id;
  };

  /** Arms the next sweep; returns why it could not be armed, or undefined. */
  const armSweep = (): Error | undefined => {
    try {
      timeout!.setTimer(timeout!.ns / rpcCallTimeoutSweeps, sweep);
      sweepArmed = true;
      return undefined;
    } catch (error) {
      return thrownError(error);
    }
  };

  /** Ends a sweep epoch: rejects the calls sent rpcCallTimeoutSweeps + 1 epochs ago; re-arms while calls remain. */
  const sweep = (): void => {
    sweepArmed = false;
    sweepEpoch = (sweepEpoch + 1) | 0;
    if (closed) return;
    for (let slot = 0; slot <= pending.mask; slot++) {
      if (pending.ids[slot] !== 0 && ((sweepEpoch - pending.epochs[slot]!) | 0) > rpcCallTimeoutSweeps)
        expire(slot);
    }
    if (pending.size === 0) return;
    const failure = armSweep();
    // Without a timer the calls left would have no bound: they fail now, saying why.
    if (failure !== undefined)
      closeWith(
        `no timer to bound its reply: ${failure.message}`,
        `the binding is closed: ${failure.message}`,
        true,
      );
  };

  /** The send of call `id` threw (a bad argument, a full channel): the call fails with it. */
  const sendFailed = (id: number, error: unknown): void => {
    const slot = id & pending.mask;
    if (pending.ids[slot] !== id) return;
    const reject = pending.rejects[slot]!;
    const name = methodNames[pending.methods[slot]!]!;
    pending.free(slot);
    reject(thrownError(sendRefusal(rpc.name, name, error)));
  };

  /** The call in `slot` is past its timeout: it rejects, and its late reply will be dropped. */
  const expire = (slot: number): void => {
    const id = pending.ids[slot]!;
    const reject = pending.rejects[slot]!;
    const name = methodNames[pending.methods[slot]!]!;
    pending.free(slot);
    timedOut.add(id);
    if (timedOut.size > callsInFlightMax) timedOut.delete(timedOut.values().next().value!);
    reject(new Error(`${rpc.name}.${name}: no reply within ${timeout!.ns / 1e6} ms from ${peer}`));
  };

  /**
   * The slot of in-flight request `id`, or -1 after reporting it (unless it timed out). `method` is
   * the reply's method index, or -1 for an rpc_error; the report's text is built only then.
   */
  const slotOf = (id: number, method: number): number => {
    const slot = id & pending.mask;
    if (id !== 0 && pending.ids[slot] === id) return slot;
    if (!timedOut.delete(id)) {
      const what = method < 0 ? "an error" : `a reply of ${methodNames[method]}`;
      onError(
        new Error(`${rpc.name}: ${what} for request ${id}, which is not in flight on "${transport.name}"`),
      );
    }
    return -1;
  };

  /** A reply of method `method` for request `id`, with its values. */
  const replied = (id: number, method: number, values: unknown[]): void => {
    const slot = slotOf(id, method);
    if (slot < 0) return;
    const resolve = pending.resolves[slot]!;
    const reject = pending.rejects[slot]!;
    const expected = pending.methods[slot]!;
    pending.free(slot);
    if (expected !== method) {
      reject(
        new Error(
          `${rpc.name}.${methodNames[expected]}: the server answered with a reply of ${methodNames[method]}`,
        ),
      );
      return;
    }
    resolve(values);
  };

  const handlers: Record<string, (...args: unknown[]) => void> = {};
  const client: Record<string, unknown> = {};
  methodNames.forEach((method, index) => {
    const entry = rpc.declaration[method]!;
    const unexpected = (what: string) => () =>
      onError(new Error(`${rpc.name}: a client on "${transport.name}" received ${what}`));
    if ("message" in entry) {
      client[method] = compileMessage(
        rpc.name,
        method,
        entry.message.length,
        sender[method + messageSuffix]!,
        () => closed,
        sendRefusal,
      );
      handlers[method + messageSuffix] = unexpected(`a message ${method}`);
      return;
    }
    client[method] = compileCall(
      index,
      entry.call.length,
      sender[method + callSuffix]!,
      register,
      sendFailed,
    );
    handlers[method + callSuffix] = unexpected(`a call of ${method}`);
    handlers[method + replySuffix] = compileReply(index, entry.reply.length, replied);
  });
  handlers[closeMessageName] = () =>
    onError(new Error(`${rpc.name}: a client on "${transport.name}" received an rpc_close`));
  handlers[errorMessageName] = (requestId, message) => {
    const slot = slotOf(requestId as number, -1);
    if (slot < 0) return;
    const reject = pending.rejects[slot]!;
    const name = methodNames[pending.methods[slot]!]!;
    pending.free(slot);
    reject(new RpcError(rpc.name, name, message as string));
  };
  /**
   * Rejects every call in flight with `why` and closes; later calls are refused with `laterWhy`.
   * Tells the server unless it went first or is gone.
   */
  const closeWith = (why: string, laterWhy: string, tellServer: boolean): void => {
    if (closed) return;
    closed = true;
    closedWhy = laterWhy;
    const waiting: Array<[Reject, string]> = [];
    for (let slot = 0; slot <= pending.mask; slot++) {
      if (pending.ids[slot] === 0) continue;
      waiting.push([pending.rejects[slot]!, methodNames[pending.methods[slot]!]!]);
      pending.free(slot);
    }
    for (const [reject, name] of waiting) reject(new Error(`${rpc.name}.${name}: ${why}`));
    for (const wait of [...drainWaits]) settleDrain(wait, new Error(`${rpc.name}.drained: ${why}`));
    if (tellServer && !sendClose()) {
      closeWhenRoom();
      return;
    }
    transport.close?.();
  };
  /**
   * Sends rpc_close; false only when the port refused it because its wait for room is full (then
   * the close must wait for room). Any other failure is no reason to wait: the channel may be gone
   * already (its end closed under us), and closing goes on regardless.
   */
  const sendClose = (): boolean => {
    try {
      sender[closeMessageName]!();
      return true;
    } catch (error) {
      return !(isPortFull(error) && transport.drain !== undefined);
    }
  };
  /**
   * The port's wait was full when the client closed: rpc_close goes out once what waits has left
   * it, and the transport closes after it, so that the server still hears of the close (else its
   * end would stay open). Bounded like a call: past the call timeout the transport closes without
   * it. Sends are refused from the close on, so the room is there when the wait has drained.
   */
  const closeWhenRoom = (): void => {
    let timer: TimerHandle | undefined;
    let room: TimerHandle | undefined;
    let finished = false;
    const finish = (tell: boolean): void => {
      if (finished) return;
      finished = true;
      timer?.cancel();
      room?.cancel();
      if (tell) sendClose();
      transport.close?.();
    };
    if (timeout !== undefined) {
      try {
        timer = timeout.setTimer(timeout.ns, () => finish(false));
      } catch {
        finish(false);
        return;
      }
    }
    room = transport.drain!.whenDrained(() => finish(true));
  };
  client.close = () => closeWith("the binding was closed", "the binding is closed", true);

  /** drained() waiting, rejected by close and fail (at most rpcDrainWaitsMax). */
  const drainWaits = new Set<DrainWait>();
  /** Ends a drained() wait once: resolves it (no error) or rejects it, and drops its callback and timer. */
  const settleDrain = (wait: DrainWait, error: Error | undefined): void => {
    if (!drainWaits.delete(wait)) return;
    wait.port?.cancel();
    wait.timer?.cancel();
    if (error === undefined) wait.resolve();
    else wait.reject(error);
  };
  /** The promise of a drained() that has something to wait for (see the file comment). */
  const waitForRoom = (resolve: () => void, reject: Reject): void => {
    const wait: DrainWait = { resolve, reject, port: undefined, timer: undefined };
    drainWaits.add(wait);
    if (timeout !== undefined) {
      const ms = timeout.ns / 1e6;
      try {
        wait.timer = timeout.setTimer(timeout.ns, () =>
          settleDrain(
            wait,
            new Error(
              `${rpc.name}.drained: no room within ${ms} ms for the messages sent to ${peer} (on "${transport.name}")`,
            ),
          ),
        );
      } catch (error) {
        settleDrain(
          wait,
          new Error(`${rpc.name}.drained: no timer to bound the wait: ${thrownError(error).message}`),
        );
        return;
      }
    }
    const port = transport.drain!.whenDrained(() => settleDrain(wait, undefined));
    if (drainWaits.has(wait)) wait.port = port;
  };
  client.drained = (): Promise<void> => {
    if (closed) return Promise.reject(new Error(`${rpc.name}.drained: ${closedWhy}`));
    const drain = transport.drain;
    if (drain === undefined || drain.messagesWaiting() === 0) return Promise.resolve();
    if (drainWaits.size >= rpcDrainWaitsMax) {
      return Promise.reject(
        new Error(
          `${rpc.name}.drained: ${rpcDrainWaitsMax} drained() already wait on "${transport.name}" (limits.rpcDrainWaitsMax); await them first`,
        ),
      );
    }
    return new Promise<void>(waitForRoom);
  };
  handlers[closedMessageName] = (reason) => {
    const why = `${peer} closed the binding: ${reason as string}`;
    closeWith(why, `the binding is closed: ${why}`, false);
  };
  const fail = (why: string): void => closeWith(why, `the binding is closed: ${why}`, false);

  const dispatch = rpc.wire.dispatcher(handlers as never, transport.name);
  const receive: Receive = (type, bytes, length) => {
    if (closed) return;
    try {
      dispatch(type, bytes, length);
    } catch (error) {
      onError(thrownError(error));
    }
  };
  return {
    client: Object.freeze(client) as RpcClient<R>,
    receive,
    inFlight: () => pending.size,
    fail,
  };
}

/**
 * A call method of exact arity: makes the promise, registers it (0: refused, already rejected),
 * sends m_call(id, args...), and fails the call if the send throws.
 */
function compileCall(
  method: number,
  arity: number,
  send: SendFunction,
  register: (method: number, arity: number, given: number) => number,
  sendFailed: (id: number, error: unknown) => void,
): (...args: readonly unknown[]) => Promise<unknown[]> {
  const args = params(arity);
  const source = `return function call(${args}) {
    const promise = new Promise(capture);
    const id = register(${method}, ${arity}, arguments.length);
    if (id !== 0) {
      try { send(id${arity > 0 ? `, ${args}` : ""}); } catch (error) { sendFailed(id, error); }
    }
    return promise;
  };`;
  return new Function("capture", "register", "send", "sendFailed", source)(
    capture,
    register,
    send,
    sendFailed,
  );
}

/** A reply handler of exact arity: hands the request id and the reply tuple to `replied`. */
function compileReply(
  method: number,
  arity: number,
  replied: (id: number, method: number, values: unknown[]) => void,
): (...args: unknown[]) => void {
  const args = params(arity);
  const source = `return function reply(id${arity > 0 ? `, ${args}` : ""}) { replied(id, ${method}, [${args}]); };`;
  return new Function("replied", source)(replied);
}

/**
 * A one-way message method of exact arity: checks, then sends m_message(args...); a send the port
 * refuses for a full wait is re-thrown by `refusal` (sendRefusal).
 */
function compileMessage(
  rpcName: string,
  method: string,
  arity: number,
  send: SendFunction,
  isClosed: () => boolean,
  refusal: typeof sendRefusal,
): (...args: readonly unknown[]) => void {
  const args = params(arity);
  const source = `return function message(${args}) {
    if (isClosed()) throw new Error(prefix + ": the binding is closed");
    if (arguments.length !== ${arity})
      throw new Error(prefix + ": takes ${arity} argument(s), was given " + arguments.length);
    try { send(${args}); } catch (error) { throw refusal(rpcName, method, error); }
  };`;
  return new Function("isClosed", "send", "prefix", "refusal", "rpcName", "method", source)(
    isClosed,
    send,
    `${rpcName}.${method}`,
    refusal,
    rpcName,
    method,
  );
}
