// The SKB's measurement of URPC round-trip time between every pair of cores, run at boot.
//
// The BSP measures the pairs one after another, so that no two measurements disturb each other:
// it asks core a to probe core b; a sends `latencyRounds` pings to b, one at a time, timing each
// round trip with the platform's clock; it reports the median to the BSP, which moves on to the
// next pair. When every pair is done the BSP hands over the matrix (symmetric: a pair is measured
// once, from its lower core).
//
//   BSP → a      probe(b, warmupRounds, rounds)
//   a ↔ b        ping(seq) / pong(seq), `warmupRounds` untimed, then `rounds` timed
//   a → BSP      probed(b, medianNs)

import type { CoreEnv, Port } from "../cpu-driver/core-env.js";
import { describeThrown } from "../cpu-driver/describe-thrown.js";
import { skbTypeBase } from "../cpu-driver/message-types.js";
import { defineInterface, t } from "../idl/index.js";
import type { MonitorModule } from "./monitor-module.js";

export const latencyInterface = defineInterface(
  "skb_latency",
  {
    probe: [
      ["peer", t.u16],
      ["warmupRounds", t.u16],
      ["rounds", t.u16],
    ],
    ping: [["seq", t.u32]],
    pong: [["seq", t.u32]],
    probed: [
      ["peer", t.u16],
      ["medianNs", t.f64],
    ],
  },
  { typeBase: skbTypeBase },
);

/** The round-trip matrix, by position in env.coreIds. */
export type LatencyRows = number[][];

interface Probe {
  readonly peer: number;
  /** Round trips made first and not timed (the JIT compiles the path during these). */
  readonly warmupRounds: number;
  readonly rounds: number;
  readonly samplesNs: number[];
  sentAtNs: number;
  seq: number;
}

export class LatencyProbeModule implements MonitorModule {
  readonly name = "latency-probe";
  private readonly receiveFrame;
  private probe: Probe | undefined;
  // BSP state: the pairs still to measure, and the matrix so far.
  private pairs: Array<[number, number]> = [];
  private rows: LatencyRows = [];
  private rounds = 0;
  private warmupRounds = 0;
  private onDone: ((rows: LatencyRows) => void) | undefined;
  private probeFrom = -1;

  constructor(private readonly env: CoreEnv) {
    this.receiveFrame = (fromCore: number) =>
      latencyInterface.dispatcher(
        {
          probe: (peer, warmupRounds, rounds) => this.probeReceived(peer, warmupRounds, rounds),
          ping: (seq) => this.send(fromCore).pong(seq),
          pong: (seq) => this.pongReceived(seq),
          probed: (peer, medianNs) => this.probedReceived(peer, medianNs),
        },
        `monitor ${fromCore}->${env.coreId}`,
      );
  }

  private readonly dispatchers = new Map<number, ReturnType<typeof latencyInterface.dispatcher>>();
  private readonly senders = new Map<number, ReturnType<typeof latencyInterface.sender>>();

  private send(core: number) {
    let sender = this.senders.get(core);
    if (sender === undefined) {
      const port: Port = this.env.portTo(core);
      sender = latencyInterface.sender(port);
      this.senders.set(core, sender);
    }
    return sender;
  }

  /** BSP only: measures every pair, `rounds` round trips each, then calls `onDone` with the matrix. */
  measureAll(warmupRounds: number, rounds: number, onDone: (rows: LatencyRows) => void): void {
    this.warmupRounds = warmupRounds;
    const cores = this.env.coreIds;
    this.rows = cores.map(() => cores.map(() => 0));
    this.pairs = [];
    for (let a = 0; a < cores.length; a++) {
      for (let b = a + 1; b < cores.length; b++) this.pairs.push([a, b]);
    }
    this.rounds = rounds;
    this.onDone = onDone;
    this.nextPair();
  }

  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): boolean {
    if (!latencyInterface.owns(type)) return false;
    let dispatch = this.dispatchers.get(fromCore);
    if (dispatch === undefined) {
      dispatch = this.receiveFrame(fromCore);
      this.dispatchers.set(fromCore, dispatch);
    }
    dispatch(type, bytes, length);
    return true;
  }

  private nextPair(): void {
    const pair = this.pairs.shift();
    if (pair === undefined) {
      const done = this.onDone;
      this.onDone = undefined;
      done?.(this.rows);
      return;
    }
    const [a, b] = pair;
    const cores = this.env.coreIds;
    this.probeFrom = a;
    const from = cores[a]!;
    if (from === this.env.coreId) this.probeReceived(cores[b]!, this.warmupRounds, this.rounds);
    else this.send(from).probe(cores[b]!, this.warmupRounds, this.rounds);
  }

  private probeReceived(peer: number, warmupRounds: number, rounds: number): void {
    const measure = this.env.measureRoundTrips;
    if (measure !== undefined) {
      // The platform can time raw round trips (no monitor, no decoding): use them.
      measure.call(this.env, peer, warmupRounds, rounds).then(
        (samplesNs) => this.probeDone(peer, samplesNs),
        (error: unknown) => {
          this.env.log(`SKB: probe of core ${peer} failed: ${describeThrown(error)}`);
          this.probeDone(peer, []);
        },
      );
      return;
    }
    this.probe = { peer, warmupRounds, rounds, samplesNs: [], sentAtNs: 0, seq: 0 };
    this.pingSend();
  }

  private pingSend(): void {
    const probe = this.probe!;
    probe.sentAtNs = this.env.nowNs();
    this.send(probe.peer).ping(probe.seq);
  }

  private pongReceived(seq: number): void {
    const probe = this.probe;
    if (probe === undefined || seq !== probe.seq) return;
    if (probe.seq >= probe.warmupRounds) probe.samplesNs.push(this.env.nowNs() - probe.sentAtNs);
    probe.seq++;
    if (probe.seq < probe.warmupRounds + probe.rounds) {
      this.pingSend();
      return;
    }
    this.probe = undefined;
    this.probeDone(probe.peer, probe.samplesNs);
  }

  /** Reports the median of a probe's samples to the BSP (0 when there are none). */
  private probeDone(peer: number, samplesNs: number[]): void {
    const probe = { peer };
    const sorted = samplesNs.sort((x, y) => x - y);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const bsp = this.env.coreIds[0]!;
    if (bsp === this.env.coreId) this.probedReceived(probe.peer, median);
    else this.send(bsp).probed(probe.peer, median);
  }

  private probedReceived(peer: number, medianNs: number): void {
    const a = this.probeFrom;
    const b = this.env.coreIds.indexOf(peer);
    if (a < 0 || b < 0) return;
    this.rows[a]![b] = medianNs;
    this.rows[b]![a] = medianNs;
    this.nextPair();
  }
}
