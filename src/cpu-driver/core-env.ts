// The contract between sans-IO per-core logic (CPU driver, monitor, protocols) and a platform.
//
// Kernel code never reads a clock, never calls Math.random, never touches a worker or a
// SharedArrayBuffer. It is an object implementing `CoreLogic`, given a `CoreEnv` by whichever
// platform runs it:
//   - platform/real: one worker thread per core, URPC channels over SharedArrayBuffer;
//   - platform/sim:  one thread, virtual time, a cost model of cache-line transfers.
// Messages are (type, bytes): a 16-bit message type and an encoded payload, as produced by an
// interface declared with src/idl. Between any two cores the monitor channel is FIFO (that is the
// hardware's guarantee for one URPC ring); across channels any order may happen.

import type { CoreActivity } from "./cpu-driver.js";

/** Sender side of one channel direction. */
export interface Port {
  /** Channel name for error messages and traces, e.g. "monitor 0->3". */
  readonly name: string;
  /**
   * Sends one message. Messages on one port arrive in order, exactly once. If the channel has no
   * credit the platform queues the message (bounded by limits.ts; exceeding the bound throws).
   * `bytes` is read before `send` returns: the caller may reuse it at once.
   */
  send(type: number, bytes: Uint8Array, length: number): void;
  /**
   * Optional: the port's slots, for senders that encode a one-slot message where it will be read
   * (src/idl's SlotWriter has the contract). A port that offers it keeps FIFO order between slot
   * sends and `send`: `reserve()` answers -1 while earlier messages still wait.
   */
  readonly slot?: PortSlot | undefined;
  /**
   * Optional: a port that may hold messages back while its channel has no room (the real
   * platform's backlog, the simulator's send queue, the loopback's queue past a ring's worth) says
   * how many wait and when they are out. A port without it never holds a message back.
   */
  readonly drain?: PortDrain | undefined;
}

/**
 * How a port's waiting messages drain (Port.drain). A message waits from its send until it is in
 * the channel (the ring, where the receiver can read it); each platform says what that is.
 */
export interface PortDrain {
  /** Messages sent on the port that still wait for room; 0 when every one is in the channel. */
  messagesWaiting(): number;
  /**
   * Calls `onDrained` once, when every message sent on the port before this call has left the wait
   * (at once, during this call, when none waits); later sends do not hold it back. It is called
   * from the platform's poll loop or event queue, never re-entrantly from a send. The handle's
   * `cancel()` forgets it (idempotent); closing the port forgets every waiter without calling it.
   */
  whenDrained(onDrained: () => void): TimerHandle;
}

/** A port's slots: reserve a slot's payload (byte offset, or -1), write it, commit it as a message. */
export interface PortSlot {
  reserve(): number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  commit(type: number, length: number): void;
}

/** One end of a channel between dispatchers, opened through the platform (see CoreEnv.openChannel). */
export interface ChannelEnd extends Port {
  /**
   * Stops delivery to this end and releases it; idempotent. Messages sent before it that still wait
   * for credit may be dropped; sending after it throws. Once both ends are closed the platform may
   * reuse the channel's frame.
   */
  close(): void;
}

/** Receives one message on a channel end: type, bytes (valid only during the call), length. */
export type ChannelReceive = (type: number, bytes: Uint8Array, length: number) => void;

/** A timer set through the platform; cancel is idempotent. */
export interface TimerHandle {
  cancel(): void;
}

/** What a platform gives to one core's logic. */
export interface CoreEnv {
  /** This core's number. */
  readonly coreId: number;
  /** Every booted core's number, ascending (this one included). */
  readonly coreIds: readonly number[];
  /** Current time in nanoseconds (virtual in the simulator). Monotonic, never decreasing. */
  nowNs(): number;
  /** A uniformly distributed number in [0, 1): seeded and reproducible in the simulator. */
  random(): number;
  /** The FIFO channel from this core's monitor to another core's monitor. */
  portTo(coreId: number): Port;
  /**
   * One shared channel that this core writes and every other core reads (the broadcast medium of
   * the TLB-shootdown study: one message, N-1 readers fetching the same cache lines). Each other
   * core's logic receives every message sent on it, in order, with `fromCore` = this core.
   */
  broadcastPort(): Port;
  /**
   * Reserves a channel frame from this core's share of channel memory and returns its id (like
   * retyping a RAM capability into a frame for a UMP channel). Throws a clear error when this
   * core's share is used up. The id travels to the peer through the monitors.
   */
  allocateChannelId(): number;
  /**
   * Gives back an id from this core's allocateChannelId whose side 0 this core will never open and
   * whose side 1 never opened or has closed already (a bind the server refused). An id whose sides
   * both opened is given back by closing both ends instead: once both have closed, neither core
   * touches the frame again, and the platform hands it out anew, with no stale message in it.
   */
  releaseChannelId(channelId: number): void;
  /**
   * Opens one end of the channel `channelId` (side 0 is the binding client, side 1 the server),
   * whose other end is on `peerCore`. The platform delivers every message on it to `receive`, in
   * order, from its poll loop (real) or its event queue (sim).
   */
  openChannel(channelId: number, side: 0 | 1, peerCore: number, receive: ChannelReceive): ChannelEnd;
  /** Calls `onFire` once after at least `delayNs` (virtual in the simulator). */
  setTimer(delayNs: number, onFire: () => void): TimerHandle;
  /**
   * Optional: `rounds` URPC round trips to `peer`'s monitor, measured as tightly as the platform can
   * (the real platform runs a synchronous ping-pong on the raw channel, after `warmupRounds`
   * untimed ones); resolves with the samples in ns. Platforms without it leave it out, and the
   * SKB's probe then times a ping-pong of monitor messages.
   */
  measureRoundTrips?(peer: number, warmupRounds: number, rounds: number): Promise<number[]>;
  /** A line for the core's log (boot log, domain output), prefixed with the core by the platform. */
  log(line: string): void;
  /**
   * Optional: where this core's rpc clients count their calls in flight, so that the platform's
   * CPU driver keeps polling instead of sleeping while replies are on their way (cpu-driver.ts).
   * Platforms that never sleep on work (the simulator, loopback) leave it out.
   */
  readonly activity?: CoreActivity;
}

/** One core's logic, driven by its platform. */
export interface CoreLogic {
  /** Called once, after every core's environment exists and before any message is delivered. */
  start(): void;
  /** A message from `fromCore`'s monitor. `bytes` is valid only during the call. */
  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): void;
}
