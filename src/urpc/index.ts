// The URPC channel: cache-line message slots in shared memory between two threads.

export { allocateAlignedShared } from "./aligned-memory.js";
export { type ChannelOptions, UrpcChannel } from "./channel.js";
export { ChannelError } from "./channel-error.js";
export { channelBytes } from "./channel-layout.js";
export { Doorbell } from "./doorbell.js";
export { type MessageHandler, RingReceiver, RingSender, slotsForLength } from "./ring.js";
