// Coherence of explicitly shared cache lines on a machine whose misses broadcast probes — the AMD
// machines of the paper, whose HyperTransport northbridges (Family 10h before HT Assist) keep no
// directory: a miss asks the line's home node, which probes every node and makes the requester
// wait for every node's answer. It prices the paper's §2 experiment ("sharing is expensive").
//
// Mechanisms, each a named part with its own numbers:
//   home      every line lives on one node (its memory); the home is the line's ordering point: it
//             takes one transaction on a line at a time, from the request's arrival until the
//             requester's "source done" comes back (serialised ownership transfers);
//   probes    a transaction probes every node, the requester's own included; a node's probe engine
//             looks up one probe at a time (probeLookupNs), so concurrent transactions on different
//             lines queue at every node: the cost grows with the nodes probed and the lines in flight;
//   links     every packet crosses the links of its route one hop at a time (hopCycles) and holds
//             each link for its length over the link's bandwidth (linkBytesPerNs);
//   answers   the owner's node answers with the data, which the requester may use at once (a dirty
//             owner's data is the line); every other node answers with a short "probe done", and the
//             requester sends "source done" to the home only after all of them — so a contended line
//             is held for the whole probe round, longer than one uncontended miss takes;
//   update    the paper's threads update the data directly, without locks: an update of a line is a
//             read (the data; the former owner keeps a copy), then an upgrade (invalidate the other
//             copies: every node answers), then the store (localUpdateCycles); a line the core holds
//             alone costs only the store. A locked update (atomicUpdate) is one transaction that
//             fetches the line and invalidates the rest.
// A transaction by core R on a line with home H: R's request crosses to H; H waits for the line;
// for each node n a probe crosses H→n, waits for n's probe engine, and n's answer crosses n→R; R
// fills the line once the data is there (fillCycles); "source done" crosses R→H and frees the line.
// Uncontended, a read takes (hops R→H→O→R) × hopCycles + probe lookup + fill, O the owner's node;
// with Table 2's transfers (cost-model.ts): fillCycles = transfer(shared) − probe lookup (nothing
// crosses a link when all three are in one package) and hopCycles = (transfer(hop-1) −
// transfer(shared)) / 2 (the data of a one-hop pair whose line lives at the owner crosses 2 hops).
// Table 2's two-hop pair is only 13 cycles above one hop on these machines, which this model
// does not reproduce (it adds two hops); URPC channels keep their calibrated per-class costs, and
// only a broadcast channel's slots, one line with many readers, are also ordered here (orderedRead).
// Link reservations are made in time order within a transaction and
// in the caller's order across transactions (callers go in time order).

import { assertLimit, cacheLineBytes } from "../../limits.js";
import type { CostModel } from "./cost-model.js";
import type { Machine } from "./machine.js";

/**
 * A node's probe lookup: about 48 cycles at 2.5 GHz, the load-to-use latency of Family 10h's
 * shared L3 (a probe looks up the node's L3 and its cores' caches) as published reviews measured it.
 */
export const probeLookupNs = 19.2;
/** HyperTransport at 1 GHz (2 GT/s), 16 bits each way: 4 GB/s per direction (HT 1.x/2.0 spec). */
export const linkBytesPerNs = 4;
/** An HT command packet (request, probe, probe answer, source done): 8 bytes (HT spec). */
export const commandPacketBytes = 8;
/** An HT data answer: a 64-byte line behind an 8-byte header. */
export const dataPacketBytes = cacheLineBytes + commandPacketBytes;
/** One core's update of a line it holds modified (the paper, §2: under 30 cycles). */
export const localUpdateCycles = 25;

assertLimit(dataPacketBytes > commandPacketBytes, "data packets are longer than commands", "coherence.ts");

/** What a transaction asks for: the data (read), invalidation (upgrade), or both (exclusive). */
type TransactionKind = 0 | 1 | 2;
const txRead: TransactionKind = 0;
const txUpgrade: TransactionKind = 1;
const txExclusive: TransactionKind = 2;

/** A shared line's state: its home node, its owner (last writer) and which cores hold a copy. */
interface LineState {
  readonly home: number;
  owner: number;
  readonly holders: Uint8Array;
  /** When the line's ordering point (its home, or the node serving it) is next free. */
  freeCycles: number;
}

export class CoherenceModel {
  /** Cycles one interconnect hop adds (solved from Table 2, see the file comment). */
  readonly hopCycles: number;
  /** Cycles a probe engine spends per probe (probeLookupNs at the machine's clock). */
  readonly probeCycles: number;
  /** Cycles a requester spends after the answers to fill the line (Table 2's shared transfer − a probe). */
  readonly fillCycles: number;
  private readonly linkBytesPerCycle: number;
  private readonly lines: LineState[] = [];
  /** Per package: when its probe engine is next free. */
  private readonly probeFreeCycles: Float64Array;
  /** Per directed package pair (a * packages + b), a link: when it is next free. */
  private readonly linkFreeCycles: Float64Array;
  /** nextHop[a * packages + b]: the package after a on the route from a to b. */
  private readonly nextHop: Int32Array;
  private readonly packages: number;
  /** Scratch for one transaction: when each node's answer leaves, and the nodes in that order. */
  private readonly answerCycles: Float64Array;
  private readonly answerOrder: number[];
  /** When the last probe round's data was filled (probeRound's second result). */
  private roundFilledCycles = 0;

  constructor(
    readonly machine: Machine,
    costs: CostModel,
  ) {
    this.packages = machine.packages.length;
    this.nextHop = routes(machine);
    this.probeFreeCycles = new Float64Array(this.packages);
    this.answerCycles = new Float64Array(this.packages);
    this.answerOrder = Array.from({ length: this.packages }, (_, n) => n);
    this.linkFreeCycles = new Float64Array(this.packages * this.packages);
    this.probeCycles = probeLookupNs * machine.clockGHz;
    this.linkBytesPerCycle = linkBytesPerNs / machine.clockGHz;
    const { sharedTransfer, remote } = calibrationPair(machine, costs);
    this.fillCycles = Math.max(0, sharedTransfer - this.probeCycles);
    this.hopCycles =
      remote === null ? 0 : (remote.transferCycles - sharedTransfer) / Math.max(1, this.dataHops(remote));
  }

  /** A new line whose home is `homePackage`; returns its id. */
  addLine(homePackage: number): number {
    if (!Number.isInteger(homePackage) || homePackage < 0 || homePackage >= this.packages) {
      throw new RangeError(
        `CoherenceModel: home package ${homePackage} is not one of ${this.machine.name}'s`,
      );
    }
    this.lines.push({
      home: homePackage,
      owner: -1,
      holders: new Uint8Array(this.machine.cores.length),
      freeCycles: 0,
    });
    return this.lines.length - 1;
  }

  /** Core `core` updates `line` (read, upgrade, store) from `atCycles`; returns when it is done. */
  update(core: number, line: number, atCycles: number): number {
    const state = this.lineState(line);
    let t = atCycles;
    if (state.holders[core] === 0) t = this.transaction(core, state, t, txRead);
    state.holders[core] = 1;
    if (this.othersHold(state, core)) t = this.transaction(core, state, t, txUpgrade);
    state.holders.fill(0);
    state.holders[core] = 1;
    state.owner = core;
    return t + localUpdateCycles / this.machine.cores[core]!.speed;
  }

  /**
   * Core `core` makes a locked read-modify-write of `line` (`lock xadd`): one transaction that
   * fetches the line and invalidates every other copy at once; returns when it is done.
   */
  atomicUpdate(core: number, line: number, atCycles: number): number {
    const state = this.lineState(line);
    let t = atCycles;
    if (state.owner !== core || this.othersHold(state, core))
      t = this.transaction(core, state, t, txExclusive);
    state.holders.fill(0);
    state.holders[core] = 1;
    state.owner = core;
    return t + localUpdateCycles / this.machine.cores[core]!.speed;
  }

  /** Core `core` reads `line` (a copy stays with the owner); returns when the data is there. */
  read(core: number, line: number, atCycles: number): number {
    const state = this.lineState(line);
    if (state.owner === core || state.holders[core] === 1) return atCycles;
    const done = this.transaction(core, state, atCycles, txRead);
    state.holders[core] = 1;
    return done;
  }

  /**
   * Core `core` has written `line` (a URPC slot its sender fills): it owns the only copy. Nothing
   * is timed here: the channel's calibrated costs price the write (see orderedRead).
   */
  written(core: number, line: number): void {
    const state = this.lineState(line);
    state.holders.fill(0);
    state.holders[core] = 1;
    state.owner = core;
  }

  /**
   * Core `core` reads `line`, a URPC slot whose data is priced elsewhere (`fetch`: the channel's
   * calibrated transfer from the writer). The request is ordered at the line's home with every
   * other transaction on that line, probes every node as any miss does, and holds the home until
   * the requester has both the data and every node's answer (then "source done"): so readers of
   * one line are served one at a time, each for about one transfer, however many caches could
   * serve them. `fetch(requestCycles)` gets the time the request would have left had it found the
   * home free (atCycles plus its wait there), so that an uncontended read costs exactly what
   * `fetch` says. Returns when the data is there.
   */
  orderedRead(
    core: number,
    line: number,
    atCycles: number,
    fetch: (requestCycles: number) => number,
  ): number {
    const state = this.lineState(line);
    const node = this.machine.cores[core]!.packageId;
    const arrived = this.cross(node, state.home, atCycles, commandPacketBytes);
    const atHome = Math.max(arrived, state.freeCycles);
    const allAnswered = this.probeRound(node, state.home, atHome, -1);
    const dataCycles = fetch(atCycles + (atHome - arrived));
    state.freeCycles = this.cross(node, state.home, Math.max(allAnswered, dataCycles), commandPacketBytes);
    state.holders[core] = 1;
    return dataCycles;
  }

  private lineState(line: number): LineState {
    const state = this.lines[line];
    if (state === undefined) throw new RangeError(`CoherenceModel: no line ${line}`);
    return state;
  }

  /**
   * One transaction for `core` on `state`; returns when the requester can go on: a read once the
   * owner's data arrives, an upgrade once every node has answered, an exclusive fetch at both. The
   * home is busy until the requester's "source done", sent after every answer.
   */
  private transaction(core: number, state: LineState, atCycles: number, kind: TransactionKind): number {
    const node = this.machine.cores[core]!.packageId;
    const atHome = Math.max(this.cross(node, state.home, atCycles, commandPacketBytes), state.freeCycles);
    const dataNode =
      kind === txUpgrade ? -1 : state.owner >= 0 ? this.machine.cores[state.owner]!.packageId : state.home;
    const allAnswered = this.probeRound(node, state.home, atHome, dataNode);
    const filledCycles = this.roundFilledCycles;
    state.freeCycles = this.cross(node, state.home, allAnswered, commandPacketBytes);
    if (kind === txRead) return filledCycles;
    return kind === txUpgrade ? allAnswered : Math.max(filledCycles, allAnswered);
  }

  /**
   * The probes of one transaction started at `home` at `atHome` for a requester on `node`: every
   * node is probed and answers the requester, `dataNode` (−1: none) with the data. Returns when
   * the last answer is in; the time the data is filled is left in roundFilledCycles.
   */
  private probeRound(node: number, home: number, atHome: number, dataNode: number): number {
    // Probes all leave at once; answers cross the links in the order they leave (the links are
    // reserved in time order within a transaction).
    const answers = this.answerCycles;
    for (let n = 0; n < this.packages; n++) {
      const probed = this.cross(home, n, atHome, commandPacketBytes);
      const start = Math.max(probed, this.probeFreeCycles[n]!);
      this.probeFreeCycles[n] = start + this.probeCycles;
      answers[n] = start + this.probeCycles;
    }
    const order = this.answerOrder.sort((a, b) => answers[a]! - answers[b]! || a - b);
    let allAnswered = atHome;
    this.roundFilledCycles = atHome;
    for (const n of order) {
      const arrival = this.cross(n, node, answers[n]!, n === dataNode ? dataPacketBytes : commandPacketBytes);
      allAnswered = Math.max(allAnswered, arrival);
      if (n === dataNode) this.roundFilledCycles = arrival + this.fillCycles;
    }
    return allAnswered;
  }

  /** True when a core other than `core` holds a copy. */
  private othersHold(state: LineState, core: number): boolean {
    for (let c = 0; c < state.holders.length; c++) if (c !== core && state.holders[c] === 1) return true;
    return false;
  }

  /** A packet of `bytes` leaves package `from` at `atCycles` for `to`; returns its arrival. */
  private cross(from: number, to: number, atCycles: number, bytes: number): number {
    let t = atCycles;
    for (let at = from; at !== to; ) {
      const next = this.nextHop[at * this.packages + to]!;
      const link = at * this.packages + next;
      const start = Math.max(t, this.linkFreeCycles[link]!);
      this.linkFreeCycles[link] = start + bytes / this.linkBytesPerCycle;
      t = start + this.hopCycles;
      at = next;
    }
    return t;
  }

  /** Hops of the data's path R→H→O→R for `pair` (requester, and home = the owner's node). */
  private dataHops(pair: { reader: number; owner: number }): number {
    const hops = this.machine.packageHops;
    const r = this.machine.cores[pair.reader]!.packageId;
    const o = this.machine.cores[pair.owner]!.packageId;
    return 2 * hops[r]![o]!;
  }
}

/** Table 2's transfer inside a package, and the first one-hop pair with its transfer (null: none). */
function calibrationPair(
  machine: Machine,
  costs: CostModel,
): { sharedTransfer: number; remote: { reader: number; owner: number; transferCycles: number } | null } {
  const cores = machine.cores.length;
  let sharedTransfer = Number.POSITIVE_INFINITY;
  let remote: { reader: number; owner: number; transferCycles: number } | null = null;
  for (let b = 1; b < cores; b++) {
    const hops = machine.packageHops[machine.cores[0]!.packageId]![machine.cores[b]!.packageId]!;
    const transferCycles = costs.transferCycles(0, b);
    if (hops === 0) sharedTransfer = Math.min(sharedTransfer, transferCycles);
    else if (hops === 1 && remote === null) remote = { reader: b, owner: 0, transferCycles };
  }
  if (!Number.isFinite(sharedTransfer)) sharedTransfer = remote?.transferCycles ?? 0;
  return { sharedTransfer, remote };
}

/** The next package on a shortest route between every two packages (the first link listed on ties). */
function routes(machine: Machine): Int32Array {
  const p = machine.packages.length;
  const hops = machine.packageHops;
  const next = new Int32Array(p * p);
  for (let a = 0; a < p; a++) {
    for (let b = 0; b < p; b++) {
      next[a * p + b] = b;
      if (a === b) continue;
      for (const [x, y] of machine.links) {
        const c = x === a ? y : y === a ? x : -1;
        if (c >= 0 && hops[c]![b]! === hops[a]![b]! - 1) {
          next[a * p + b] = c;
          break;
        }
      }
    }
  }
  return next;
}
