// The error every URPC failure throws: it names the channel and says what was wrong.

export class ChannelError extends Error {
  readonly channel: string;

  constructor(channel: string, message: string) {
    super(`URPC channel "${channel}": ${message}`);
    this.name = "ChannelError";
    this.channel = channel;
  }
}
