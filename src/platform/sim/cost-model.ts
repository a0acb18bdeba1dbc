// The cost model: what a cache-line transfer costs between two cores, solved from Table 2.
//
// The model works at the level of cache lines. A line is modified at one core (its owner, the last
// writer) or shared by a set of cores. A write invalidates the other copies; a read by a core that
// holds no copy is a *transfer* from the owner. A transfer has two costs that depend on the path
// class of (owner, reader) — same package and shared cache, same package, N interconnect hops:
//   transferCycles   the time from the request until the line arrives at the reader;
//   occupancyCycles  the time the owner is busy serving it: an owner serves one transfer at a time,
//                    so a line read by 31 cores in turn reaches the 31st after 30 occupancies.
// Each core also spends cycles of its own per message: sendCycles to write a slot (header last)
// and receiveCycles to take a message out of its ring and dispatch it. Both are divided by the
// core's speed; the transfer costs belong to the caches and the interconnect and are not.
//
// A URPC message of one line, sender s to receiver r, then costs: s writes the slot (sendCycles);
// r's poll misses and fetches the line, queued at s (occupancy) and arriving after transferCycles;
// r dispatches it (receiveCycles). Acks travel the other way on their own line, published every
// ackEverySlots consumed slots and read by the sender only when it runs out of credit, so in both
// ack lines are read by the sender only when it runs out of credit (urpc/ring.ts does the same).
// In ping-pong that happens once per slotsPerRing messages and costs one transfer then; in
// streaming it happens while the ring is still full of unread messages, off the critical path. So
//   ping-pong one-way latency     = sendCycles + receiveCycles + transferCycles * (1 + 1/slotsPerRing)
//   streaming cycles per message  = max(sendCycles, occupancyCycles, receiveCycles)
// and the calibration solves the parameters from each class's Table 2 pair (latency L, throughput
// T msgs/kcycle): occupancyCycles = 1000 / T; the per-core costs are a fixed share of the smallest
// period of the machine (coreShareOfPeriod), so that they never bound the throughput; and
// transferCycles = (L - sendCycles - receiveCycles) / (1 + 1/slotsPerRing). Every other number
// the simulator reports follows from these.

import { slotsPerRing } from "../../limits.js";
import type { Machine } from "./machine.js";

/** Share of the machine's shortest streaming period that a core spends per sent or received message. */
export const coreShareOfPeriod = 0.4;

export interface ClassCost {
  readonly transferCycles: number;
  readonly occupancyCycles: number;
}

export class CostModel {
  /** Cycles a core spends to write one message slot (before dividing by its speed). */
  readonly sendCycles: number;
  /** Cycles a core spends to take one message from a ring and dispatch it (before its speed). */
  readonly receiveCycles: number;
  /** Cost per path class, indexed like machine.classes. */
  readonly classCosts: readonly ClassCost[];
  /** Per class, indexed by machine.classIndex (a byte per core pair keeps the lookups in cache). */
  private readonly transfer: Float64Array;
  private readonly occupancy: Float64Array;
  private readonly classIndex: Uint8Array;
  private readonly n: number;
  /** Time (cycles) at which each core's cache is next free to serve a transfer. */
  private readonly portFreeCycles: Float64Array;
  /** Time (cycles) at which each core's cache is next free to take in a line (its fill port). */
  private readonly fillFreeCycles: Float64Array;

  constructor(readonly machine: Machine) {
    let periodMinCycles = Number.POSITIVE_INFINITY;
    for (const cal of machine.paths.values())
      periodMinCycles = Math.min(periodMinCycles, 1000 / cal.msgsPerKcycle);
    this.sendCycles = coreShareOfPeriod * periodMinCycles;
    this.receiveCycles = coreShareOfPeriod * periodMinCycles;
    this.classCosts = machine.classes.map((cls) => {
      if (cls === "same-core") return { transferCycles: 0, occupancyCycles: 0 };
      const cal = machine.paths.get(cls);
      if (cal === undefined)
        throw new Error(`CostModel: machine ${machine.name} has no calibration for ${cls}`);
      const transferCycles =
        (cal.latencyCycles - this.sendCycles - this.receiveCycles) / (1 + 1 / slotsPerRing);
      if (transferCycles <= 0) {
        throw new Error(
          `CostModel: ${machine.name} ${cls}: latency ${cal.latencyCycles} cycles is too small for its throughput ` +
            `(the per-core costs alone take ${this.sendCycles + this.receiveCycles})`,
        );
      }
      return { transferCycles, occupancyCycles: 1000 / cal.msgsPerKcycle };
    });
    this.n = machine.cores.length;
    this.transfer = Float64Array.from(this.classCosts, (c) => c.transferCycles);
    this.occupancy = Float64Array.from(this.classCosts, (c) => c.occupancyCycles);
    this.classIndex = machine.classIndex;
    this.portFreeCycles = new Float64Array(this.n);
    this.fillFreeCycles = new Float64Array(this.n);
  }

  /** Transfer latency of a line from `owner` to `reader`, in cycles (no queueing). */
  transferCycles(owner: number, reader: number): number {
    return this.transfer[this.classIndex[owner * this.n + reader]!]!;
  }

  /** Cycles `owner` is busy serving one transfer to `reader`. */
  occupancyCycles(owner: number, reader: number): number {
    return this.occupancy[this.classIndex[owner * this.n + reader]!]!;
  }

  /**
   * Serves one line from `owner` to `reader`, requested at `readyCycles`: waits for the owner to be
   * free to serve and the reader free to take a line in, occupies both, and returns the time the
   * line arrives at the reader. Table 2's streaming period cannot say which end bounds it, so the
   * model applies it at both: a core serves one line at a time and takes in one line at a time
   * (which is what bounds a server core that many clients stream to, paper §2).
   */
  serveRead(owner: number, reader: number, readyCycles: number): number {
    const i = this.classIndex[owner * this.n + reader]!;
    const start = Math.max(this.portFreeCycles[owner]!, this.fillFreeCycles[reader]!, readyCycles);
    const occupancy = this.occupancy[i]!;
    this.portFreeCycles[owner] = start + occupancy;
    this.fillFreeCycles[reader] = start + occupancy;
    return start + this.transfer[i]!;
  }

  /** Time at which `core` is next free to serve a transfer. */
  portFreeAt(core: number): number {
    return this.portFreeCycles[core]!;
  }
}

/**
 * Explicit cache lines with coherence state, for experiments on shared memory (the paper's
 * "sharing is expensive") and for tests of the model. URPC channels do not need per-line state:
 * a slot is always written by its sender and then read once by each reader, so the engine calls
 * `serveRead` directly, which is what `read` below does for a line modified elsewhere.
 */
export class CacheLines {
  private readonly owner = new Map<number, number>();
  private readonly sharers = new Map<number, Set<number>>();

  constructor(private readonly costs: CostModel) {}

  /** Core `core` writes `line` at `atCycles`; returns when the write is complete. */
  write(core: number, line: number, atCycles: number): number {
    const owner = this.owner.get(line);
    const holders = this.sharers.get(line);
    let doneCycles = atCycles;
    if (owner !== undefined && owner !== core && !(holders?.has(core) ?? false)) {
      doneCycles = this.costs.serveRead(owner, core, atCycles); // read for ownership
    }
    // Invalidating the other copies costs the farthest of them one transfer latency.
    if (holders !== undefined) {
      for (const other of holders) {
        if (other !== core)
          doneCycles = Math.max(doneCycles, atCycles + this.costs.transferCycles(core, other));
      }
    }
    this.owner.set(line, core);
    this.sharers.set(line, new Set([core]));
    return doneCycles;
  }

  /** Core `core` reads `line` at `atCycles`; returns when the data is there. */
  read(core: number, line: number, atCycles: number): number {
    const owner = this.owner.get(line);
    const holders = this.sharers.get(line);
    if (owner === undefined || owner === core || (holders?.has(core) ?? false)) return atCycles;
    const arrivalCycles = this.costs.serveRead(owner, core, atCycles);
    holders?.add(core);
    return arrivalCycles;
  }
}
