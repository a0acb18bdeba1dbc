// MessageError: the one error type that encoding, decoding and dispatch of declared messages throw.
//
// Its text always names where the problem is: the channel (when decoding), the interface, the message
// and the field, as in `ping_pong.ping: field "val" = -1 is out of range for u32` or
// `channel "c0->c1": ping_pong.str0: truncated frame: field "s" ...`. The problem text (after the
// colon) is the caller's and names the field itself; the parts are also kept as properties so that a
// caller can route on them without parsing the text.

export interface MessageErrorWhere {
  readonly interfaceName: string;
  readonly messageName?: string;
  readonly fieldName?: string;
  readonly channelName?: string;
}

export class MessageError extends Error {
  override readonly name = "MessageError";
  readonly interfaceName: string;
  readonly messageName: string | undefined;
  readonly fieldName: string | undefined;
  readonly channelName: string | undefined;

  constructor(where: MessageErrorWhere, problem: string) {
    const channel = where.channelName === undefined ? "" : `channel "${where.channelName}": `;
    const message = where.messageName === undefined ? "" : `.${where.messageName}`;
    super(`${channel}${where.interfaceName}${message}: ${problem}`);
    this.interfaceName = where.interfaceName;
    this.messageName = where.messageName;
    this.fieldName = where.fieldName;
    this.channelName = where.channelName;
  }
}
