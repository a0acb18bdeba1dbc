// The environment the simulator gives each core's logic: CoreEnv in virtual time, plus two calls
// for logic that knows it is simulated.
//
// Time is the core's own clock (the engine's `timeOf`): its running handler's cursor while it
// runs, else now or when it is next free, so that what a handler does is timed where it does it.
// A timer is an event at that time plus the delay; ports and dispatcher channels come from
// SimPorts (sim-ports.ts); `chargeCycles` adds work to the running handler, or, called outside any
// handler (after an `await`), runs as the core's own work (engine.ts, asContinuation).

import type { ChannelReceive, CoreEnv, TimerHandle } from "../../cpu-driver/core-env.js";
import { type CoreState, evTimer, itemTimer, type Timer } from "./core-state.js";
import type { SimPorts } from "./sim-ports.js";

/** The simulator's extension of CoreEnv, for logic that knows it is simulated (benchmarks, tests). */
export interface SimCoreEnv extends CoreEnv {
  /** Charges `cycles` of work to the running handler (scaled by speed, faults and jitter). */
  chargeCycles(cycles: number): void;
  /** Current virtual time in cycles. */
  nowCycles(): number;
}

/** What an environment needs of the engine. */
export interface SimCoreHost {
  readonly clockGHz: number;
  readonly ports: SimPorts;
  /** Receives each line a core's logic logs, if the run wants them. */
  readonly log: ((line: string) => void) | undefined;
  /** The ids of the run's cores, ascending. */
  coreIds(): readonly number[];
  /** The state of a core added to the run. */
  core(coreId: number): CoreState;
  /** A core's own clock, in cycles. */
  timeOf(coreId: number): number;
  /** Schedules an event with a drawn tie-break. */
  schedule(timeCycles: number, kind: number, target: unknown): void;
  /** Charges `cycles` of `core`'s work, in its running handler or as a continuation. */
  chargeCycles(core: CoreState, cycles: number): void;
}

/** Core `coreId`'s environment (its state is looked up on first use: it exists once added). */
export function makeSimCoreEnv(coreId: number, host: SimCoreHost): SimCoreEnv {
  const clockGHz = host.clockGHz;
  let self: CoreState | undefined;
  const me = (): CoreState => {
    self ??= host.core(coreId);
    return self;
  };
  return {
    coreId,
    get coreIds(): readonly number[] {
      return host.coreIds();
    },
    nowNs: () => host.timeOf(coreId) / clockGHz,
    nowCycles: () => host.timeOf(coreId),
    random: () => me().random.next(),
    portTo: (to: number) => host.ports.portTo(me(), to),
    broadcastPort: () => host.ports.broadcastPort(me()),
    setTimer: (delayNs: number, onFire: () => void): TimerHandle => {
      if (!(delayNs >= 0 && Number.isFinite(delayNs)))
        throw new RangeError(`setTimer: delayNs must be >= 0, got ${delayNs}`);
      const timer: Timer = { kind: itemTimer, core: me(), onFire, cancelled: false };
      host.schedule(host.timeOf(coreId) + delayNs * clockGHz, evTimer, timer);
      return {
        cancel: () => {
          timer.cancelled = true;
        },
      };
    },
    log: (line: string) => {
      const at = host.timeOf(coreId);
      host.log?.(`[core ${coreId} @ ${(at / clockGHz / 1000).toFixed(3)} µs] ${line}`);
    },
    allocateChannelId: () => host.ports.allocateChannelId(me()),
    releaseChannelId: (channelId: number) => host.ports.releaseChannelId(me(), channelId),
    openChannel: (channelId: number, side: 0 | 1, peerCore: number, receive: ChannelReceive) =>
      host.ports.openChannel(me(), channelId, side, peerCore, receive),
    chargeCycles: (cycles: number) => {
      if (!(cycles >= 0 && Number.isFinite(cycles)))
        throw new RangeError(`chargeCycles: expected cycles >= 0, got ${cycles}`);
      host.chargeCycles(me(), cycles);
    },
  };
}
