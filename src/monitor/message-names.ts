// Names for the messages on monitor channels, "interface.message", for traces.
//
// A monitor channel carries every interface of the monitor (like Barrelfish's intermon.if), each in
// its own type range (src/cpu-driver/message-types.ts). The table below lists them; the shootdown
// messages are hand-encoded (src/vm/shootdown-messages.ts) and are named here from their types. A
// domain's channel carries the domain's own interfaces, which usually start at type 0 like the
// boot interface, so a lookup says which kind of channel the message came on and searches that
// kind's interfaces first: the monitor's table for monitor channels, the other interfaces this
// thread declared (src/idl/registry.ts) for a domain's channels. Before either, the interface in use
// on the message's channel decides, where this thread remembers it: a dispatcher channel is named
// "channel N a->b" on both platforms, its two directions sharing N, so either direction's name
// finds the interface its end here was used with.
import {
  interfaceOnChannel,
  interfacesDeclared,
  messageNameAmong,
  type NamedInterface,
} from "../idl/index.js";
import {
  shootdownAckType,
  shootdownReplyType,
  shootdownRequestType,
  shootdownUpdateType,
} from "../vm/shootdown-messages.js";
import { bindRpc } from "./binding.js";
import { bootInterface } from "./boot.js";
import { latencyInterface } from "./latency-probe.js";
import { livenessInterface } from "./liveness.js";
import { nameServiceRpc } from "./name-service.js";
import { replicationInterface } from "./replication-messages.js";
import { spawnInterface } from "./spawn.js";

const shootdownNames = new Map<number, string>([
  [shootdownRequestType, "request"],
  [shootdownUpdateType, "update"],
  [shootdownAckType, "ack"],
  [shootdownReplyType, "reply"],
]);

/** The hand-encoded shootdown messages, as the registry sees an interface. */
const shootdownInterface: NamedInterface = {
  name: "shootdown",
  nameOf: (type) => shootdownNames.get(type),
};

/** Every interface the monitors speak to each other. */
export const monitorInterfaces: readonly NamedInterface[] = [
  bootInterface,
  nameServiceRpc.wire,
  bindRpc.wire,
  spawnInterface,
  replicationInterface,
  shootdownInterface,
  latencyInterface,
  livenessInterface,
];

/** Which kind of channel a message came on. */
export type ChannelKind = "monitor" | "domain";

/** A dispatcher channel's name in both directions ("channel 7 0->1" and "channel 7 1->0"). */
function bothDirections(channelName: string): string[] {
  const match = /^channel (\d+) (\d+)->(\d+)$/.exec(channelName);
  return match === null ? [channelName] : [channelName, `channel ${match[1]} ${match[3]}->${match[2]}`];
}

/**
 * "interface.message" for `type` on the channel `channelName` of `kind`, or undefined when no
 * interface declared in this thread has that type. The interface used on that channel decides
 * first; then the channel's own kind of interfaces; the others only when none of those knows the
 * type (a test scenario's interface on a monitor channel).
 */
export function messageName(type: number, kind: ChannelKind, channelName = ""): string | undefined {
  for (const name of bothDirections(channelName)) {
    const iface = interfaceOnChannel(name);
    const message = iface?.nameOf(type);
    if (iface !== undefined && message !== undefined) return `${iface.name}.${message}`;
  }
  const others = interfacesDeclared().filter((i) => !monitorInterfaces.includes(i));
  const [first, second] = kind === "monitor" ? [monitorInterfaces, others] : [others, monitorInterfaces];
  return messageNameAmong(type, first) ?? messageNameAmong(type, second);
}
