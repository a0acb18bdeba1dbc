// Where a URPC channel's memory lives, and what that costs its reader.
//
// A channel's lines have a home node (coherence.ts): the node whose memory holds them, where a
// reader's miss is ordered. A reader's miss travels R→H (the request), H→S (the probe reaching the
// sender, whose cache holds the line modified) and S→R (the data): hops(R,H) + hops(H,S) + hops(S,R)
// interconnect hops. Table 2 was measured on a channel homed at one of its two ends, where that
// is 2·hops(R,S) whichever end holds it; so the calibrated transfer (cost-model.ts) stands for both
// placements, and a channel homed on a third node pays the detour: the extra hops × hopCycles (the
// coherence model's hop, solved from Table 2). Placement `sender` and `receiver` cost the same
// here; what memory local to the receiver buys, as the paper's NUMA-aware multicast allocates it,
// is never being homed elsewhere.
//
// A placement policy maps (sender core, reader core) to the home package; the engine asks it once
// per stream, when the stream is made (SimulationOptions.channelHome), and the default homes every
// channel at its sender (no detour: the calibration). A broadcast channel's streams share the
// sender's lines, so each stream is asked with its own reader and the same sender.

import type { Machine } from "./machine.js";

/** The home package of the lines that `sender` writes and `reader` reads. */
export type ChannelHome = (sender: number, reader: number) => number;

/** Memory local to the sender (the calibration's default). */
export const homeAtSender =
  (machine: Machine): ChannelHome =>
  (sender) =>
    machine.cores[sender]!.packageId;

/** Memory local to the receiver (the paper's NUMA-aware multicast). */
export const homeAtReceiver =
  (machine: Machine): ChannelHome =>
  (_sender, reader) =>
    machine.cores[reader]!.packageId;

/** Every channel's memory on one package (an allocator that ignores NUMA, serving from one node). */
export const homeAtPackage =
  (machine: Machine, pkg: number): ChannelHome =>
  () => {
    if (!Number.isInteger(pkg) || pkg < 0 || pkg >= machine.packages.length)
      throw new RangeError(`channel placement: package ${pkg} is not one of ${machine.name}'s`);
    return pkg;
  };

/** Extra cycles a reader's miss pays for a channel homed at `homePackage` (see the file comment). */
export function homeDetourCycles(
  machine: Machine,
  hopCycles: number,
  sender: number,
  reader: number,
  homePackage: number,
): number {
  const hops = machine.packageHops;
  const s = machine.cores[sender]!.packageId;
  const r = machine.cores[reader]!.packageId;
  const viaHome = hops[r]![homePackage]! + hops[homePackage]![s]! + hops[s]![r]!;
  return (viaHome - 2 * hops[r]![s]!) * hopCycles;
}
