// The server end of an rpc binding: decodes calls, runs their handlers, sends replies or errors.
//
// A handler may answer at once (a tuple) or later (a promise of one); its reply goes out as
// m_reply with the call's request id, whenever it is ready, so replies may pass each other. A
// handler that throws or rejects, or returns something that is not a tuple of the reply's fields,
// is answered with rpc_error and its text. Whatever a handler throws (a non-Error, a value whose
// toString throws, a result whose `then` getter throws) is described without throwing
// (describeThrown), so every call gets an answer. A message entry's handler gets no reply; its
// failures go to onError. rpc_close from the client closes this end and calls onClosed; closing
// this end otherwise (the server's dispatcher ended) first sends rpc_closed with the reason, so
// that the client's calls in flight fail at once, saying why, instead of waiting for replies that
// cannot come.
//
// Each method's call handler and reply sender are compiled with the method's exact arity (as
// src/idl compiles its senders and decoders): a call's arguments go from the decoder to the handler
// and a reply's values from its tuple to the encoder without an argument array or a spread.
import { describeThrown, thrownError } from "../cpu-driver/describe-thrown.js";
import type {
  RpcDeclaration,
  RpcEndOptions,
  RpcHandlers,
  RpcInterface,
  RpcServerEnd,
  RpcTransport,
} from "./rpc.js";
import {
  callSuffix,
  closedMessageName,
  closeMessageName,
  errorMessageName,
  errorText,
  messageSuffix,
  replySuffix,
  reportOrThrow,
} from "./rpc-wire.js";

type SendFunction = (...args: readonly unknown[]) => void;

export function makeServer<R extends RpcDeclaration>(
  rpc: RpcInterface<R>,
  transport: RpcTransport,
  handlers: RpcHandlers<R>,
  options: RpcEndOptions,
): RpcServerEnd {
  for (const method of rpc.methods) {
    if (typeof (handlers as Record<string, unknown>)[method] !== "function")
      throw new Error(`rpc ${rpc.name}: no handler for method ${method}`);
  }
  const onError = reportOrThrow(options.onError);
  const sender = rpc.wire.sender(transport) as unknown as Record<string, SendFunction>;
  let closed = false;

  /** Answers request `requestId` with rpc_error; never throws (it runs in promise callbacks too). */
  const sendError = (requestId: number, thrown: unknown): void => {
    if (closed) return;
    try {
      sender[errorMessageName]!(requestId, errorText(thrown));
    } catch (error) {
      report(
        `${rpc.name}: the error answer to request ${requestId} could not be sent: ${describeThrown(error)}`,
      );
    }
  };
  /** An error nobody can be answered with goes to onError, which must not throw either. */
  const report = (text: string): void => {
    try {
      onError(new Error(text));
    } catch {
      // onError's default throws; here there is nobody left to throw to.
    }
  };
  const sendReply = (method: string, arity: number, requestId: number, values: unknown): void => {
    if (closed) return;
    let problem: string | undefined;
    try {
      if (!Array.isArray(values) || values.length !== arity)
        problem = `returned ${describe(values)}, not a tuple of ${arity} reply value(s)`;
      else sender[method + replySuffix]!(requestId, ...values);
    } catch (error) {
      problem = `returned a bad reply: ${errorText(error)}`;
    }
    if (problem !== undefined) sendError(requestId, `the handler of ${method} ${problem}`);
  };

  const wireHandlers: Record<string, (...args: unknown[]) => void> = {};
  for (const method of rpc.methods) {
    const handler = (handlers as unknown as Record<string, (...args: unknown[]) => unknown>)[method]!;
    const entry = rpc.declaration[method]!;
    if ("message" in entry) {
      // No reply goes back for a message; a failing handler is reported on this side only.
      const failed = (error: unknown): void =>
        onError(new Error(`${rpc.name}.${method}: the message handler failed: ${errorText(error)}`));
      wireHandlers[method + messageSuffix] = compileMessageHandler(
        entry.message.length,
        handler,
        failed,
        (error) => {
          try {
            failed(error);
          } catch {
            // A promise callback has nobody to throw to (onError's default throws).
          }
        },
      );
      continue;
    }
    const arity = entry.reply.length;
    const send = sender[method + replySuffix]!;
    const reply = compileReply(
      arity,
      send,
      () => closed,
      (id, values) => sendReply(method, arity, id, values),
    );
    const answerLater = (id: number, result: PromiseLike<unknown>): void => {
      result.then(
        (values) => {
          try {
            reply(id, values);
          } catch (error) {
            sendError(id, error);
          }
        },
        (error: unknown) => sendError(id, error),
      );
    };
    wireHandlers[method + callSuffix] = compileCallHandler(
      entry.call.length,
      handler,
      reply,
      answerLater,
      sendError,
    );
    wireHandlers[method + replySuffix] = () =>
      onError(new Error(`${rpc.name}: a server on "${transport.name}" received a reply of ${method}`));
  }
  wireHandlers[errorMessageName] = () =>
    onError(new Error(`${rpc.name}: a server on "${transport.name}" received an rpc_error`));
  /** Closes this end; unless the client asked for it, tells the client first why (rpc_closed). */
  const close = (byClient: boolean, reason: string): void => {
    if (closed) return;
    closed = true;
    if (!byClient) {
      try {
        sender[closedMessageName]!(errorText(reason));
      } catch {
        // The channel may be gone already; the client then learns nothing, as with a crash.
      }
    }
    transport.close?.();
  };
  wireHandlers[closeMessageName] = () => {
    close(true, "");
    options.onClosed?.();
  };
  wireHandlers[closedMessageName] = () =>
    onError(new Error(`${rpc.name}: a server on "${transport.name}" received an rpc_closed`));

  const dispatch = rpc.wire.dispatcher(wireHandlers as never, transport.name);
  return {
    receive: (type, bytes, length) => {
      if (closed) return;
      try {
        dispatch(type, bytes, length);
      } catch (error) {
        onError(thrownError(error));
      }
    },
    close: (reason = "the server closed its end") => close(false, reason),
  };
}

/** Parameter names a0..a(n-1), for compiled functions. */
function params(arity: number): string {
  return Array.from({ length: arity }, (_, i) => `a${i}`).join(", ");
}

/**
 * The handler of m_call(id, args...), of exact arity: runs the method's handler; a tuple is
 * answered at once, a promise when it settles, a throw with rpc_error.
 */
function compileCallHandler(
  arity: number,
  handler: (...args: unknown[]) => unknown,
  reply: (id: number, values: unknown) => void,
  answerLater: (id: number, result: PromiseLike<unknown>) => void,
  sendError: (id: number, thrown: unknown) => void,
): (...args: unknown[]) => void {
  const args = params(arity);
  // Reading the result (isArray on a Proxy, a `then` getter) and subscribing to it may throw too.
  const source = `return function call(id${arity > 0 ? `, ${args}` : ""}) {
    let result;
    try {
      result = handler(${args});
      if (!Array.isArray(result) && isPromiseLike(result)) { answerLater(id, result); return; }
    } catch (error) { sendError(id, error); return; }
    reply(id, result);
  };`;
  return new Function("handler", "reply", "answerLater", "sendError", "isPromiseLike", source)(
    handler,
    reply,
    answerLater,
    sendError,
    isPromiseLike,
  );
}

/**
 * Sends m_reply(id, values...) for a tuple of exactly `arity` values; anything else (or a value
 * the encoder refuses) goes to `slow`, which answers with rpc_error and says why.
 */
function compileReply(
  arity: number,
  send: SendFunction,
  isClosed: () => boolean,
  slow: (id: number, values: unknown) => void,
): (id: number, values: unknown) => void {
  const values = Array.from({ length: arity }, (_, i) => `v[${i}]`).join(", ");
  const source = `return function reply(id, v) {
    if (isClosed()) return;
    try {
      if (!Array.isArray(v) || v.length !== ${arity}) { slow(id, v); return; }
      send(id${arity > 0 ? `, ${values}` : ""});
    } catch { slow(id, v); }
  };`;
  return new Function("send", "isClosed", "slow", source)(send, isClosed, slow);
}

/** The handler of m_message(args...), of exact arity; a failure goes to `failed` (`failedLater` for a rejection). */
function compileMessageHandler(
  arity: number,
  handler: (...args: unknown[]) => unknown,
  failed: (error: unknown) => void,
  failedLater: (error: unknown) => void,
): (...args: unknown[]) => void {
  const args = params(arity);
  const source = `return function message(${args}) {
    try {
      const result = handler(${args});
      if (result !== undefined && isPromiseLike(result)) result.then(undefined, failedLater);
    } catch (error) { failed(error); }
  };`;
  return new Function("handler", "failed", "failedLater", "isPromiseLike", source)(
    handler,
    failed,
    failedLater,
    isPromiseLike,
  );
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

/** What a handler returned, in a few words; never throws (a revoked Proxy throws on isArray). */
function describe(value: unknown): string {
  try {
    if (Array.isArray(value)) return `an array of ${value.length}`;
  } catch {
    return "an object that could not be read";
  }
  return value === null ? "null" : typeof value;
}
