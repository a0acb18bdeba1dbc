// The wire names and error texts shared by rpc clients and servers (rpc.ts has the format).
import { describeThrown } from "../cpu-driver/describe-thrown.js";
import { rpcErrorMessageBytesMax } from "../limits.js";

/** Suffixes of the wire messages of an entry `m`: m_call, m_reply, m_message. */
export const callSuffix = "_call";
export const replySuffix = "_reply";
export const messageSuffix = "_message";
/** The messages every rpc interface ends with. */
export const errorMessageName = "rpc_error";
export const closeMessageName = "rpc_close";
/** Server → client: the server closed its end (its dispatcher ended); calls in flight will not be answered. */
export const closedMessageName = "rpc_closed";

/** Where a protocol error goes: the end's onError, or thrown to whoever delivered the frame. */
export function reportOrThrow(onError: ((error: Error) => void) | undefined): (error: Error) => void {
  return (
    onError ??
    ((error) => {
      throw error;
    })
  );
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

const utf8 = new TextEncoder();

/** The text of anything thrown (never throwing itself: describeThrown), cut to fit the error message's field. */
export function errorText(thrown: unknown): string {
  const text = describeThrown(thrown);
  if (text.length * 3 <= rpcErrorMessageBytesMax) return text;
  const room = new Uint8Array(rpcErrorMessageBytesMax);
  const { read } = utf8.encodeInto(text, room);
  if (read === text.length) return text;
  // "…" is three UTF-8 bytes; encodeInto never splits a code point.
  const cut = utf8.encodeInto(text, new Uint8Array(rpcErrorMessageBytesMax - 3)).read;
  return `${text.slice(0, cut)}…`;
}
