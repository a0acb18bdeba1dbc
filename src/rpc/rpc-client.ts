// The client end of an rpc binding: one promise per call, paired with its reply by request id.
//
// A call takes a fresh request id (u32, skipping ids still in flight), records its resolve and
// reject, and sends m_call; m_reply resolves it with the reply tuple, rpc_error rejects it with an
// RpcError carrying the server's text. At most callsInFlightMax calls wait at once; one more is
// rejected at once; with a callTimeout, a call whose reply has not come in time is rejected, and
// its late reply dropped. A message entry sends m_message and returns nothing. close() rejects every call
// still waiting, tells the server (rpc_close) and closes the transport. Frames a client should
// never get (a call, an unknown request id, a malformed frame) go to onError.

import type { TimerHandle } from "../cpu-driver/core-env.js";
import type { Receive } from "../idl/index.js";
import { rpcCallsInFlightMax } from "../limits.js";
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
  closeMessageName,
  errorMessageName,
  messageSuffix,
  RpcError,
  replySuffix,
  reportOrThrow,
} from "./rpc-wire.js";

type AnyArgs = readonly unknown[];
type SendFunction = (...args: AnyArgs) => void;

interface PendingCall {
  readonly method: string;
  readonly resolve: (values: unknown[]) => void;
  readonly reject: (error: Error) => void;
  timer: TimerHandle | undefined;
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
  /** Ids of calls that timed out, so that their late replies are dropped quietly (oldest forgotten first). */
  const timedOut = new Set<number>();
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
    while (pending.has(nextRequestId) || timedOut.has(nextRequestId))
      nextRequestId = (nextRequestId + 1) >>> 0;
    const requestId = nextRequestId;
    nextRequestId = (nextRequestId + 1) >>> 0;
    return new Promise<unknown[]>((resolve, reject) => {
      const entry: PendingCall = { method, resolve, reject, timer: undefined };
      pending.set(requestId, entry);
      try {
        sender[method + callSuffix]!(requestId, ...args);
      } catch (error) {
        pending.delete(requestId);
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (timeout !== undefined) {
        entry.timer = timeout.setTimer(timeout.ns, () => {
          if (pending.get(requestId) !== entry) return;
          pending.delete(requestId);
          timedOut.add(requestId);
          if (timedOut.size > callsInFlightMax) timedOut.delete(timedOut.values().next().value!);
          reject(
            new Error(`${rpc.name}.${method}: no reply within ${timeout.ns / 1e6} ms on "${transport.name}"`),
          );
        });
      }
    });
  };

  const settle = (requestId: number, what: string): PendingCall | undefined => {
    const entry = pending.get(requestId);
    if (entry === undefined) {
      if (timedOut.delete(requestId)) return undefined;
      onError(
        new Error(
          `${rpc.name}: ${what} for request ${requestId}, which is not in flight on "${transport.name}"`,
        ),
      );
      return undefined;
    }
    pending.delete(requestId);
    entry.timer?.cancel();
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
    for (const entry of waiting) {
      entry.timer?.cancel();
      entry.reject(new Error(`${rpc.name}.${entry.method}: the binding was closed`));
    }
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
