// The SKB the real platform would build on a simulated machine: the OS's package of each core (from
// the machine file), and each pair's round trip (twice the calibrated one-way latency of its path
// class) in ns. Simulated runs hand it to the protocols that route by topology (multicast trees).
import { LatencyMatrix } from "../../skb/latency.js";
import { SystemKnowledgeBase } from "../../skb/skb.js";
import { type Machine, pathClassOf } from "./machine.js";

export function skbOfMachine(machine: Machine): SystemKnowledgeBase {
  const matrix = LatencyMatrix.fromFunction(machine.cores.length, (a, b) => {
    const calibration = machine.paths.get(pathClassOf(machine, a, b));
    if (calibration === undefined) throw new Error(`${machine.name} has no calibration for cores ${a},${b}`);
    return (2 * calibration.latencyCycles) / machine.clockGHz;
  });
  const topology = { cpus: machine.cores.map((core) => ({ cpu: core.id, packageId: core.packageId })) };
  return new SystemKnowledgeBase(topology, matrix);
}
