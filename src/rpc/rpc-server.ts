// The server end of an rpc binding: decodes calls, runs their handlers, sends replies or errors.
//
// A handler may answer at once (a tuple) or later (a promise of one); its reply goes out as
// m_reply with the call's request id, whenever it is ready, so replies may pass each other. A
// handler that throws or rejects, or returns something that is not a tuple of the reply's fields,
// is answered with rpc_error and its text. A message entry's handler gets no reply; its failures go
// to onError. rpc_close from the client closes this end and calls onClosed.
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
