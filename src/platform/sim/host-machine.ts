// A simulated machine made from the host's own SKB measurements (`multikernel skb --save-machine`).
//
// The SKB gives the packages it found (from sysfs, or clustered from the measured round trips) and
// the median round trip within a package and between packages. The machine file keeps the host's
// core numbering (explicit core ids per package), takes one-way latency as half the measured round
// trip, in cycles of the host's clock, and takes throughput from a URPC streaming measurement of
// the host (the SKB measures latency only, so every path class gets the same throughput). The
// simulator's cost model then calibrates itself to these figures exactly as it does to Table 2.
import type { HostMachineDescription } from "../../skb/model.js";
import type { MachineSpec, PathSpec } from "./machine.js";

export interface HostMachineFacts {
  readonly name: string;
  readonly description: HostMachineDescription;
  readonly clockGHz: number;
  /** Streamed one-slot messages per second on the host (bench urpc's figure). */
  readonly msgsPerSec: number;
}

export function hostMachineSpec(facts: HostMachineFacts): MachineSpec {
  const { description, clockGHz } = facts;
  if (!(clockGHz > 0)) throw new Error(`host machine: clock ${clockGHz} GHz is not positive`);
  if (!(facts.msgsPerSec > 0))
    throw new Error(`host machine: throughput ${facts.msgsPerSec} msgs/s is not positive`);
  const msgsPerKcycle = facts.msgsPerSec / (clockGHz * 1e6);
  const oneWayCycles = (roundTripNs: number) => (roundTripNs / 2) * clockGHz;
  const paths: Record<string, PathSpec> = {};
  const within = description.latencyNs.withinPackageMedian;
  const between = description.latencyNs.betweenPackagesMedian;
  if (within !== null)
    paths.shared = { name: "same-package", latencyCycles: oneWayCycles(within), msgsPerKcycle };
  if (between !== null)
    paths["hop-1"] = { name: "other-package", latencyCycles: oneWayCycles(between), msgsPerKcycle };
  return {
    name: facts.name,
    description:
      `Built from this host's SKB measurements (${description.cores} cores, packages from ${description.source}): ` +
      `one-way latency is half the measured URPC round trip; throughput is the host's URPC streaming rate.`,
    clockGHz,
    packages: description.packages.map((pkg) => ({ cores: [...pkg.cores] })),
    caches: [{ level: 3, shared: "package" }],
    links: "all",
    paths,
  };
}
