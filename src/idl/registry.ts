// The interfaces declared in this thread, remembered so that a message's 16-bit type can be named
// "interface.message" where only the number travels (traces: a core records numbers while it runs
// and names them when the run ends).
//
// defineInterface registers every interface it makes, and each interface registers the channel
// names it is used on (a sender's transport, a dispatcher's channel). A type number alone can be
// ambiguous: each interface picks its own typeBase, and a domain's interfaces usually start at 0
// like the monitor's boot interface and like each other. So a lookup first asks which interface is
// in use on the message's channel; failing that, it takes the interfaces to search, in order of
// preference, and answers every name that matches. The registry keeps the interfacesRememberedMax
// most recent declarations and the channelInterfacesRememberedMax most recent channels; older ones
// are forgotten (a program that declares interfaces or opens channels in a loop cannot grow it
// without bound).
import { channelInterfacesRememberedMax, interfacesRememberedMax } from "../limits.js";

/** What the registry needs of an interface. */
export interface NamedInterface {
  readonly name: string;
  nameOf(type: number): string | undefined;
}

const remembered: NamedInterface[] = [];
/** The interface last used on each channel name, oldest first (a Map keeps insertion order). */
const onChannel = new Map<string, NamedInterface>();

/** Remembers that `iface` is used on the channel `channelName` (its sender or its dispatcher). */
export function rememberChannel(channelName: string, iface: NamedInterface): void {
  if (onChannel.get(channelName) === iface) return;
  onChannel.delete(channelName);
  onChannel.set(channelName, iface);
  if (onChannel.size > channelInterfacesRememberedMax) onChannel.delete(onChannel.keys().next().value!);
}

/** The interface last used on `channelName` in this thread, if it is remembered. */
export function interfaceOnChannel(channelName: string): NamedInterface | undefined {
  return onChannel.get(channelName);
}

/** Remembers `iface` (defineInterface calls this); forgets the oldest beyond the bound. */
export function rememberInterface(iface: NamedInterface): void {
  remembered.push(iface);
  if (remembered.length > interfacesRememberedMax) remembered.shift();
}

/** The interfaces declared in this thread, oldest first (at most interfacesRememberedMax). */
export function interfacesDeclared(): readonly NamedInterface[] {
  return remembered;
}

/**
 * "interface.message" for `type` among `interfaces`, or undefined when none declares it. When
 * several do, their names are joined with " | " (the trace then says it cannot tell which).
 */
export function messageNameAmong(type: number, interfaces: readonly NamedInterface[]): string | undefined {
  const names = new Set<string>();
  for (const iface of interfaces) {
    const message = iface.nameOf(type);
    if (message !== undefined) names.add(`${iface.name}.${message}`);
  }
  return names.size === 0 ? undefined : [...names].join(" | ");
}
