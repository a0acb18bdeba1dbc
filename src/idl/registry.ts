// The interfaces declared in this thread, remembered so that a message's 16-bit type can be named
// "interface.message" where only the number travels (traces: a core records numbers while it runs
// and names them when the run ends).
//
// defineInterface registers every interface it makes. A type number alone can be ambiguous: each
// interface picks its own typeBase, and a domain's interfaces usually start at 0 like the monitor's
// boot interface. So a lookup takes the interfaces to search, in order of preference (the caller
// knows which channel the message came on), and answers every name that matches among the first
// interfaces that know the type. The registry keeps the interfacesRememberedMax most recent
// declarations; an older one is forgotten (a program that declares interfaces in a loop cannot
// grow it without bound).
import { interfacesRememberedMax } from "../limits.js";

/** What the registry needs of an interface. */
export interface NamedInterface {
  readonly name: string;
  nameOf(type: number): string | undefined;
}

const remembered: NamedInterface[] = [];

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
