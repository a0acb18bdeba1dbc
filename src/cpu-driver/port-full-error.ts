// PortFullError: what a port throws when a send finds its wait for room full.
//
// A port holds messages back while its channel has no room, up to a bound (the real platform's
// limits.portBacklogMax, the simulator's the same for dispatcher channels); one send more throws
// this. It carries the facts as fields, so that a layer above can say them in its own terms: the rpc
// client names the method and the remedy (`sink.note: 4096 messages already wait for room on
// "channel 64 1->0" (limits.portBacklogMax); await drained() on the binding before sending more`),
// keeping this error as the cause.

/** A send refused because `messagesWaiting` messages already wait for room on port `portName`. */
export class PortFullError extends Error {
  constructor(
    /** The port's name, e.g. "channel 64 1->0". */
    readonly portName: string,
    /** How many messages wait: the bound. */
    readonly messagesWaiting: number,
    /** The limit (in limits.ts) that bounds them, e.g. "portBacklogMax". */
    readonly limitName: string,
  ) {
    super(`port "${portName}": ${messagesWaiting} messages already wait for room (limits.${limitName})`);
    this.name = "PortFullError";
  }
}

/** Whether `value` is a PortFullError; never throws (a thrown revoked Proxy throws on instanceof). */
export function isPortFull(value: unknown): value is PortFullError {
  try {
    return value instanceof PortFullError;
  } catch {
    return false;
  }
}
