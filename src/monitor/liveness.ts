// Liveness between monitors: heartbeats, and a failure detector for crash-stop cores.
//
// Every monitor sends a heartbeat to every other monitor each `heartbeatIntervalNs` (a platform
// timer), and notes when it last heard anything from each peer (a heartbeat or any other message
// routed past this module). At each of its own ticks it declares failed every peer it has not heard
// from for `heartbeatMissesMax` intervals: it logs the failure, calls `onPeerFailed(core, nowNs,
// reason)` once, and stops sending to that peer. Failure is final (the crash-stop model): a peer
// heard from again later is only counted (`lateHeartbeats`), not revived. A peer that is slow or
// stalled for less than the detection time is never suspected; one stalled longer is, as with any
// timeout detector.
//
//   every interval   heartbeat(core, tick) → every peer not declared failed
//   at each tick     now − lastHeard[p] > misses × interval  ⇒  peer p failed
//
// Two rules keep a live peer from being suspected for this monitor's own silence:
//   - a tick that comes more than one interval late (this core did not run: a domain computed, or
//     the OS ran other threads) suspects no one: the peers' news may be waiting, unread, in this
//     core's channels; the next tick, one interval of polling later, judges again.
//   - with `armAtStart: false` (the real platform) no peer is watched until `arm()`: while cores
//     start and measure each other (the SKB's probe keeps a core away from its loop for seconds on
//     a loaded machine), the boot's own bounds time them out, not the detector.
//
// What follows a failure is the platform's (onPeerFailed): on real cores (src/platform/real) every
// live core reports it to the boot thread, which ends the runs waiting on the system with an error
// naming the core, and hands it to its monitor's modules and dispatchers (PeerFailureListener).
//
// Sans-IO: time comes from env.nowNs and env.setTimer; `stop()` cancels the timer, so that a
// platform (or a simulation) can go idle.

import type { CoreEnv, TimerHandle } from "../cpu-driver/core-env.js";
import { livenessTypeBase } from "../cpu-driver/message-types.js";
import { defineInterface, t } from "../idl/index.js";
import { heartbeatIntervalNs, heartbeatMissesMax } from "../limits.js";
import type { MonitorModule } from "./monitor-module.js";

export const livenessInterface = defineInterface(
  "monitor_liveness",
  {
    heartbeat: [
      ["core", t.u16],
      ["tick", t.u32],
    ],
  },
  { typeBase: livenessTypeBase },
);

export interface LivenessOptions {
  /** Time between heartbeats (default heartbeatIntervalNs). */
  readonly heartbeatIntervalNs?: number;
  /** Intervals of silence after which a peer is failed (default heartbeatMissesMax). */
  readonly heartbeatMissesMax?: number;
  /** Watch every peer from start() (default true); false watches none until arm(). */
  readonly armAtStart?: boolean;
  /** Called once per peer this monitor declares failed, with why ("no news for 5012 ms ..."). */
  readonly onPeerFailed?: (core: number, nowNs: number, reason: string) => void;
}

/** u32 tick counter wraps here. */
const tickWrap = 2 ** 32;

export class LivenessModule implements MonitorModule {
  readonly name = "liveness";
  readonly intervalNs: number;
  readonly missesMax: number;
  /** Heartbeats sent and received, and heartbeats from peers already declared failed. */
  heartbeatsSent = 0;
  heartbeatsReceived = 0;
  lateHeartbeats = 0;
  /** Ticks that came more than one interval late, and so suspected no one. */
  lateTicks = 0;
  private readonly lastHeardNs = new Map<number, number>();
  private readonly failed = new Set<number>();
  private readonly receiveFrame;
  /** A typed sender per peer, made on first use (each holds its own message buffer). */
  private readonly senders = new Map<number, ReturnType<typeof livenessInterface.sender>>();
  private timer: TimerHandle | null = null;
  private tick = 0;
  private lastTickNs = 0;
  private stopped = false;

  constructor(
    private readonly env: CoreEnv,
    private readonly options: LivenessOptions = {},
  ) {
    this.intervalNs = options.heartbeatIntervalNs ?? heartbeatIntervalNs;
    this.missesMax = options.heartbeatMissesMax ?? heartbeatMissesMax;
    if (!(this.intervalNs > 0 && Number.isFinite(this.intervalNs)))
      throw new RangeError(`liveness: heartbeatIntervalNs must be > 0, got ${this.intervalNs}`);
    if (!(Number.isInteger(this.missesMax) && this.missesMax >= 2))
      throw new RangeError(`liveness: heartbeatMissesMax must be an integer >= 2, got ${this.missesMax}`);
    this.receiveFrame = livenessInterface.dispatcher(
      { heartbeat: (core) => this.heartbeatReceived(core) },
      `liveness on core ${env.coreId}`,
    );
  }

  /** Time after the last news from a peer at which it is declared failed. */
  get detectionNs(): number {
    return this.intervalNs * this.missesMax;
  }

  /** The peers this monitor has declared failed, ascending. */
  get failedPeers(): number[] {
    return [...this.failed].sort((a, b) => a - b);
  }

  start(): void {
    this.lastTickNs = this.env.nowNs();
    if (this.options.armAtStart ?? true) this.arm();
    this.tickFired();
  }

  /** Starts watching every peer, each as if heard from now (idempotent). */
  arm(): void {
    if (this.lastHeardNs.size > 0) return;
    const now = this.env.nowNs();
    for (const core of this.env.coreIds) if (core !== this.env.coreId) this.lastHeardNs.set(core, now);
  }

  /** Stops sending heartbeats and suspecting peers (idempotent). */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): boolean {
    // Any message is news of its sender; only heartbeats are this module's to claim.
    this.heard(fromCore);
    if (!livenessInterface.owns(type)) return false;
    this.receiveFrame(type, bytes, length);
    return true;
  }

  private heartbeatReceived(core: number): void {
    this.heartbeatsReceived++;
    if (this.failed.has(core)) this.lateHeartbeats++;
  }

  private heard(core: number): void {
    if (this.lastHeardNs.has(core)) this.lastHeardNs.set(core, this.env.nowNs());
  }

  private tickFired(): void {
    this.timer = null;
    if (this.stopped) return;
    const now = this.env.nowNs();
    if (now - this.lastTickNs > 2 * this.intervalNs) this.lateTicks++;
    else this.suspect(now);
    this.lastTickNs = now;
    this.sendHeartbeats();
    this.tick = (this.tick + 1) % tickWrap;
    this.timer = this.env.setTimer(this.intervalNs, () => this.tickFired());
  }

  /** Declares failed every watched peer silent for longer than the detection time. */
  private suspect(now: number): void {
    for (const [core, heardNs] of this.lastHeardNs) {
      if (this.failed.has(core) || now - heardNs <= this.detectionNs) continue;
      this.failed.add(core);
      const reason = `no news for ${describeNs(now - heardNs)} (declared by core ${this.env.coreId}, after ${this.missesMax} heartbeat intervals of ${describeNs(this.intervalNs)})`;
      this.env.log(`liveness: core ${core} failed: ${reason}`);
      this.options.onPeerFailed?.(core, now, reason);
    }
  }

  private sendHeartbeats(): void {
    // Peers not watched yet (before arm()) are sent heartbeats too: they may watch this core.
    for (const core of this.env.coreIds) {
      if (core === this.env.coreId || this.failed.has(core)) continue;
      let sender = this.senders.get(core);
      if (sender === undefined) {
        sender = livenessInterface.sender(this.env.portTo(core));
        this.senders.set(core, sender);
      }
      sender.heartbeat(this.env.coreId, this.tick);
      this.heartbeatsSent++;
    }
  }
}

/** "812 µs" below 10 ms, "5012 ms" above: a duration for the failure's reason. */
function describeNs(ns: number): string {
  return ns < 10_000_000 ? `${Math.round(ns / 1000)} µs` : `${Math.round(ns / 1e6)} ms`;
}
