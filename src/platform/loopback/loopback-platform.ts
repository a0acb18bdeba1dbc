// The loopback platform: every core's logic in one thread, in memory, deterministic.
//
// A test harness in the manner of quinn-proto's: it hosts one `CoreLogic` per core and gives each a
// `CoreEnv` whose ports are in-memory FIFO queues, one per ordered pair of cores, plus one
// broadcast queue per (sender, reader) pair that models the sender's shared broadcast channel as
// seen by each reader. Nothing runs until the test calls `runUntilIdle` or `runUntil`; each step
// then does exactly one thing:
//   1. fire the earliest due timer, if any (a timer is due when its time has come);
//   2. otherwise deliver the head message of one non-empty channel, chosen by the seeded PRNG, and
//      advance virtual time by `loopbackMessageCostNs`: each channel stays FIFO, while different
//      seeds give different interleavings across channels;
//   3. otherwise, with nothing to deliver, jump virtual time to the next timer and fire it;
//   4. otherwise the platform is idle.
// Every run has a step bound, and exceeding it throws, so a protocol that never settles fails the
// test instead of hanging it. Message bytes are copied at send, so a sender may reuse its buffer.
// `crash(core)` stops a core: messages queued to it are dropped, it receives nothing more, its
// sends and timers are dropped; messages it sent before the crash are still delivered.
// Dispatcher channels (`openChannel`) are queues too, one per direction, created as they are
// opened; a message waits in its queue until the receiving end is open, and is dropped once the
// receiving end is closed. Channel ids come from each core's own range of loopbackChannelsPerCoreMax;
// which sides of which id are open on which cores is kept in a ChannelTable (cpu-driver). Once both
// sides of an id have closed (or its binding gave it up, releaseChannelId), its queues are dropped
// and the id returns to its core's free list, handed out again before a fresh one.
// A dispatcher channel's end has a drain (PortDrain, core-env.ts) modelled on a URPC ring of
// slotsPerRing slots: a message is in the channel while fewer than slotsPerRing messages queued
// before it are undelivered, and waits for room otherwise, so a sender that awaits its client's
// drained() lets the receiver take what it sent first. Messages dropped at a closed end no longer
// wait; closing an end forgets its drain's waiters. A send that finds portBacklogMax messages waiting is refused (PortFullError), as on real
// cores; the queue's own bound (loopbackQueuedMessagesMax) is the monitor channels' one.

import { ChannelTable } from "../../cpu-driver/channel-table.js";
import type {
  ChannelEnd,
  ChannelReceive,
  CoreEnv,
  CoreLogic,
  Port,
  PortDrain,
  TimerHandle,
} from "../../cpu-driver/core-env.js";
import { DrainWaiters } from "../../cpu-driver/drain-waiters.js";
import { PortFullError } from "../../cpu-driver/port-full-error.js";
import {
  loopbackChannelsPerCoreMax,
  loopbackMessageCostNs,
  loopbackQueuedMessagesMax,
  portBacklogMax,
  slotsPerRing,
} from "../../limits.js";
import { splitmix32 } from "./splitmix32.js";

/** Options of a loopback platform. */
export interface LoopbackOptions {
  /** Seed of the PRNG behind `env.random()` and the choice of the next channel to deliver. */
  readonly seed: number;
}

/** A run's step bound. */
export interface RunBound {
  readonly maxSteps: number;
}

/** What the platform has done so far. */
export interface LoopbackCounters {
  /** Steps taken (deliveries and timer firings). */
  steps: number;
  /** Sends on point-to-point ports. */
  unicastsSent: number;
  /** Sends on broadcast ports (one per send, however many readers). */
  broadcastsSent: number;
  /** Messages handed to a core's `receive`. */
  deliveries: number;
  /** Messages dropped because the sender or the receiver had crashed. */
  dropped: number;
  /** Timers fired. */
  timersFired: number;
}

interface Envelope {
  readonly type: number;
  readonly bytes: Uint8Array;
}

/**
 * One FIFO queue: a point-to-point monitor channel, one reader's view of a broadcast channel, or
 * one direction of a dispatcher channel (then `receive` is the receiving end's, once it is open).
 */
interface Channel {
  readonly name: string;
  from: number;
  to: number;
  readonly queue: Envelope[];
  head: number;
  readonly dispatcher: boolean;
  receive: ChannelReceive | undefined;
  closed: boolean;
  /** Messages ever queued, and ever delivered or dropped at the reader (for the drain). */
  queuedTotal: number;
  takenTotal: number;
  /** Who waits for the queue to drain up to a mark; made by the first whenDrained. */
  drainWaiters: DrainWaiters | undefined;
}

interface Timer {
  readonly core: number;
  readonly fireNs: number;
  readonly order: number;
  readonly onFire: () => void;
  cancelled: boolean;
}

function pairKey(from: number, to: number): string {
  return `${from}>${to}`;
}

/** In-memory, single-threaded, seeded platform for testing sans-IO core logic. */
export class LoopbackPlatform {
  readonly coreIds: readonly number[];
  readonly counters: LoopbackCounters = {
    steps: 0,
    unicastsSent: 0,
    broadcastsSent: 0,
    deliveries: 0,
    dropped: 0,
    timersFired: 0,
  };
  /** Every `env.log` line, prefixed with its core. */
  readonly logLines: string[] = [];

  private readonly random: () => number;
  private readonly logics = new Map<number, CoreLogic>();
  private readonly envs = new Map<number, CoreEnv>();
  private readonly channels: Channel[] = [];
  private readonly unicastChannels = new Map<string, Channel>();
  private readonly broadcastChannels = new Map<string, Channel>();
  private readonly sentPerPair = new Map<string, number>();
  private readonly crashed = new Set<number>();
  /** Dispatcher channels: each side's state is the queue toward that side's end. */
  private readonly dispatcherChannels: ChannelTable<Channel>;
  private readonly channelIdsAllocated = new Map<number, number>();
  /** Ids whose channels are over, by the core they return to, reused last-in first-out. */
  private readonly freeChannelIds = new Map<number, number[]>();
  private timers: Timer[] = [];
  private timerOrder = 0;
  private timeNs = 0;
  private started = false;

  constructor(coreIds: readonly number[], options: LoopbackOptions) {
    if (coreIds.length === 0) throw new Error("loopback: at least one core is needed");
    const sorted = [...coreIds].sort((a, b) => a - b);
    for (let i = 0; i < sorted.length; i++) {
      const id = sorted[i]!;
      if (!Number.isInteger(id) || id < 0) throw new Error(`loopback: bad core id ${id}`);
      if (i > 0 && sorted[i - 1] === id) throw new Error(`loopback: core ${id} listed twice`);
    }
    this.coreIds = sorted;
    this.random = splitmix32(options.seed);
    this.dispatcherChannels = new ChannelTable<Channel>({
      owner: "loopback",
      knownId: (id) => id >= 0 && id < sorted.length * loopbackChannelsPerCoreMax,
      makeState: (id, side) => {
        const toward = this.makeChannel(`channel ${id} ->${side}`, -1, -1, true);
        this.channels.push(toward);
        return toward;
      },
      onReleased: (id, sides) => this.channelIdReleased(id, sides),
    });
    // Channels are created in a fixed order, so the seeded choice among them is reproducible.
    for (const from of sorted) {
      for (const to of sorted) {
        if (from === to) continue;
        const unicast = this.makeChannel(`monitor ${from}->${to}`, from, to, false);
        const broadcast = this.makeChannel(`broadcast ${from}->${to}`, from, to, false);
        this.unicastChannels.set(pairKey(from, to), unicast);
        this.broadcastChannels.set(pairKey(from, to), broadcast);
        this.channels.push(unicast, broadcast);
      }
    }
  }

  /** Current virtual time in nanoseconds. */
  nowNs(): number {
    return this.timeNs;
  }

  /** Hosts `coreId`'s logic, built from the environment the platform gives it; returns the logic. */
  add<L extends CoreLogic>(coreId: number, build: (env: CoreEnv) => L): L {
    if (!this.coreIds.includes(coreId))
      throw new Error(`loopback: core ${coreId} is not one of this platform's`);
    if (this.logics.has(coreId)) throw new Error(`loopback: core ${coreId} already has its logic`);
    if (this.started) throw new Error("loopback: add every core's logic before start()");
    const env = this.makeEnv(coreId);
    this.envs.set(coreId, env);
    const logic = build(env);
    this.logics.set(coreId, logic);
    return logic;
  }

  /** The environment given to `coreId`. */
  env(coreId: number): CoreEnv {
    const env = this.envs.get(coreId);
    if (env === undefined) throw new Error(`loopback: core ${coreId} has no logic yet`);
    return env;
  }

  /** Calls every core's `start()`, in ascending core order. */
  start(): void {
    if (this.started) throw new Error("loopback: start() called twice");
    for (const id of this.coreIds) {
      if (!this.logics.has(id)) throw new Error(`loopback: core ${id} has no logic: call add() for it`);
    }
    this.started = true;
    for (const id of this.coreIds) this.logics.get(id)!.start();
  }

  /** Stops `core`: it receives, sends and fires nothing more. */
  crash(core: number): void {
    if (!this.coreIds.includes(core)) throw new Error(`loopback: core ${core} is not one of this platform's`);
    if (this.crashed.has(core)) return;
    this.crashed.add(core);
    for (const channel of this.channels) {
      if (channel.to !== core) continue;
      this.counters.dropped += channel.queue.length - channel.head;
      this.taken(channel, channel.queue.length - channel.head);
      channel.queue.length = 0;
      channel.head = 0;
      if (channel.dispatcher) {
        channel.receive = undefined;
        channel.closed = true;
      }
    }
    for (const timer of this.timers) if (timer.core === core) timer.cancelled = true;
  }

  isCrashed(core: number): boolean {
    return this.crashed.has(core);
  }

  /** Messages sent from `from` to `to` so far, counting a broadcast once for each reader. */
  sentCount(from: number, to: number): number {
    return this.sentPerPair.get(pairKey(from, to)) ?? 0;
  }

  /** Messages queued and not yet delivered, on every channel. */
  queuedCount(): number {
    let queued = 0;
    for (const channel of this.channels) queued += channel.queue.length - channel.head;
    return queued;
  }

  /** Runs until nothing is left to deliver or fire; returns the steps taken. Throws past the bound. */
  runUntilIdle(bound: RunBound): number {
    this.checkStarted();
    for (let taken = 0; ; taken++) {
      if (taken >= bound.maxSteps) throw new Error(this.boundMessage("not idle", bound));
      if (!this.step()) return taken;
    }
  }

  /** Runs until `predicate()` holds; returns the steps taken. Throws if idle first or past the bound. */
  runUntil(predicate: () => boolean, bound: RunBound): number {
    this.checkStarted();
    for (let taken = 0; ; taken++) {
      if (predicate()) return taken;
      if (taken >= bound.maxSteps) throw new Error(this.boundMessage("predicate still false", bound));
      if (!this.step())
        throw new Error(`loopback: idle after ${taken} steps and the predicate is still false`);
    }
  }

  /** Takes one step; returns false when idle. */
  step(): boolean {
    const due = this.nextTimer();
    if (due !== undefined && due.fireNs <= this.timeNs) {
      this.fire(due);
      return true;
    }
    const ready: Channel[] = [];
    for (const channel of this.channels) {
      if (channel.head < channel.queue.length && (!channel.dispatcher || channel.receive !== undefined))
        ready.push(channel);
    }
    if (ready.length > 0) {
      const channel = ready[Math.floor(this.random() * ready.length)]!;
      this.deliver(channel);
      return true;
    }
    if (due !== undefined) {
      this.timeNs = due.fireNs;
      this.fire(due);
      return true;
    }
    return false;
  }

  private checkStarted(): void {
    if (!this.started) throw new Error("loopback: call start() before running");
  }

  private boundMessage(what: string, bound: RunBound): string {
    const timers = this.timers.filter((t) => !t.cancelled).length;
    return `loopback: ${what} after maxSteps=${bound.maxSteps} steps (${this.queuedCount()} messages queued, ${timers} timers pending, t=${this.timeNs}ns)`;
  }

  private deliver(channel: Channel): void {
    const envelope = channel.queue[channel.head]!;
    channel.head++;
    if (channel.head === channel.queue.length) {
      channel.queue.length = 0;
      channel.head = 0;
    }
    this.counters.steps++;
    this.timeNs += loopbackMessageCostNs;
    this.counters.deliveries++;
    this.taken(channel, 1);
    if (channel.dispatcher) channel.receive!(envelope.type, envelope.bytes, envelope.bytes.length);
    else
      this.logics
        .get(channel.to)!
        .receive(channel.from, envelope.type, envelope.bytes, envelope.bytes.length);
  }

  private makeChannel(name: string, from: number, to: number, dispatcher: boolean): Channel {
    return {
      name,
      from,
      to,
      queue: [],
      head: 0,
      dispatcher,
      receive: undefined,
      closed: false,
      queuedTotal: 0,
      takenTotal: 0,
      drainWaiters: undefined,
    };
  }

  /** `count` messages of `channel` were delivered or dropped: tells its drain's waiters. */
  private taken(channel: Channel, count: number): void {
    channel.takenTotal += count;
    const waiters = channel.drainWaiters;
    if (waiters !== undefined && waiters.size > 0)
      waiters.passed(Math.min(channel.queuedTotal, channel.takenTotal + slotsPerRing));
  }

  /** The drain of a dispatcher channel's sending side (see the file comment). */
  private drainOf(channel: Channel): PortDrain {
    const messagesWaiting = (): number =>
      Math.max(0, channel.queuedTotal - channel.takenTotal - slotsPerRing);
    return {
      messagesWaiting,
      whenDrained: (onDrained) => {
        channel.drainWaiters ??= new DrainWaiters();
        return channel.drainWaiters.wait(messagesWaiting(), channel.queuedTotal, onDrained);
      },
    };
  }

  private allocateChannelId(coreId: number): number {
    const reused = this.freeChannelIds.get(coreId)?.pop();
    if (reused !== undefined) return reused;
    const used = this.channelIdsAllocated.get(coreId) ?? 0;
    if (used >= loopbackChannelsPerCoreMax) {
      throw new Error(
        `loopback: core ${coreId} has used all ${loopbackChannelsPerCoreMax} of its channel ids`,
      );
    }
    this.channelIdsAllocated.set(coreId, used + 1);
    return this.coreIds.indexOf(coreId) * loopbackChannelsPerCoreMax + used;
  }

  /** The core whose range holds `channelId`. */
  private channelOwner(channelId: number): number | undefined {
    return this.coreIds[Math.floor(channelId / loopbackChannelsPerCoreMax)];
  }

  private releaseChannelId(coreId: number, channelId: number): void {
    if (this.channelOwner(channelId) !== coreId)
      throw new Error(`loopback: core ${coreId} cannot give back channel ${channelId}, not one of its ids`);
    this.dispatcherChannels.abandon(channelId);
  }

  /** Both sides of `channelId` are done: its queues go, and the id returns to its core. */
  private channelIdReleased(channelId: number, sides: readonly { readonly state: Channel }[]): void {
    for (const side of sides) {
      const i = this.channels.indexOf(side.state);
      if (i >= 0) this.channels.splice(i, 1);
    }
    const owner = this.channelOwner(channelId)!;
    let free = this.freeChannelIds.get(owner);
    if (free === undefined) {
      free = [];
      this.freeChannelIds.set(owner, free);
    }
    free.push(channelId);
  }

  private openChannel(
    coreId: number,
    channelId: number,
    side: 0 | 1,
    peerCore: number,
    receive: ChannelReceive,
  ): ChannelEnd {
    const label = `channel ${channelId} side ${side} on core ${coreId}`;
    if (!this.coreIds.includes(peerCore))
      throw new Error(`loopback: ${label}: peer core ${peerCore} is not booted`);
    const { mine, peer } = this.dispatcherChannels.open(coreId, channelId, side, peerCore);
    const inbound = mine.state;
    const outbound = peer.state;
    inbound.to = coreId;
    inbound.from = peerCore;
    outbound.from = coreId;
    outbound.to = peerCore;
    if (!this.crashed.has(coreId)) inbound.receive = receive;
    const name = `channel ${channelId} ${coreId}->${peerCore}`;
    return {
      name,
      send: (type, bytes, length) => {
        this.checkSend(label, type, bytes, length);
        if (mine.closed) throw new Error(`loopback: ${label}: send on a closed end`);
        if (this.crashed.has(coreId) || outbound.closed) {
          this.counters.dropped++;
          return;
        }
        // The real platform's bound on what waits for room (its port backlog), so that a domain
        // that floods a binding here fails here as it would on real cores.
        const waiting = outbound.queuedTotal - outbound.takenTotal - slotsPerRing;
        if (waiting >= portBacklogMax) throw new PortFullError(name, portBacklogMax, "portBacklogMax");
        this.counters.unicastsSent++;
        this.enqueue(outbound, type, bytes, length);
      },
      drain: this.drainOf(outbound),
      close: () => {
        // Checked on this end's own side: once both sides closed, the id may belong to a new channel.
        if (mine.closed || !this.dispatcherChannels.close(channelId, side)) return;
        // Its drain's waiters are forgotten (PortDrain), though what it sent is still delivered.
        outbound.drainWaiters?.clear();
        inbound.closed = true;
        inbound.receive = undefined;
        this.counters.dropped += inbound.queue.length - inbound.head;
        this.taken(inbound, inbound.queue.length - inbound.head);
        inbound.queue.length = 0;
        inbound.head = 0;
      },
    };
  }

  private nextTimer(): Timer | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled);
    let next: Timer | undefined;
    for (const timer of this.timers) {
      if (
        next === undefined ||
        timer.fireNs < next.fireNs ||
        (timer.fireNs === next.fireNs && timer.order < next.order)
      ) {
        next = timer;
      }
    }
    return next;
  }

  private fire(timer: Timer): void {
    timer.cancelled = true;
    this.counters.steps++;
    this.counters.timersFired++;
    timer.onFire();
  }

  private enqueue(channel: Channel, type: number, bytes: Uint8Array, length: number): void {
    if (this.crashed.has(channel.to)) {
      this.counters.dropped++;
      return;
    }
    if (channel.queue.length - channel.head >= loopbackQueuedMessagesMax) {
      throw new Error(`loopback: ${channel.name}: more than ${loopbackQueuedMessagesMax} messages queued`);
    }
    channel.queue.push({ type, bytes: bytes.slice(0, length) });
    channel.queuedTotal++;
    const key = pairKey(channel.from, channel.to);
    this.sentPerPair.set(key, (this.sentPerPair.get(key) ?? 0) + 1);
  }

  private checkSend(name: string, type: number, bytes: Uint8Array, length: number): void {
    if (!Number.isInteger(type) || type < 0 || type > 0xffff)
      throw new Error(`${name}: bad message type ${type}`);
    if (!Number.isInteger(length) || length < 0 || length > bytes.length) {
      throw new Error(`${name}: length ${length} outside the ${bytes.length}-byte buffer`);
    }
  }

  private makeEnv(coreId: number): CoreEnv {
    const ports = new Map<number, Port>();
    for (const to of this.coreIds) {
      if (to === coreId) continue;
      const channel = this.unicastChannels.get(pairKey(coreId, to))!;
      ports.set(to, {
        name: channel.name,
        send: (type, bytes, length) => {
          this.checkSend(channel.name, type, bytes, length);
          if (this.crashed.has(coreId)) {
            this.counters.dropped++;
            return;
          }
          this.counters.unicastsSent++;
          this.enqueue(channel, type, bytes, length);
        },
      });
    }
    const readers = this.coreIds
      .filter((id) => id !== coreId)
      .map((to) => this.broadcastChannels.get(pairKey(coreId, to))!);
    const broadcast: Port = {
      name: `broadcast ${coreId}->*`,
      send: (type, bytes, length) => {
        this.checkSend(broadcast.name, type, bytes, length);
        if (this.crashed.has(coreId)) {
          this.counters.dropped++;
          return;
        }
        this.counters.broadcastsSent++;
        for (const channel of readers) this.enqueue(channel, type, bytes, length);
      },
    };
    return {
      coreId,
      coreIds: this.coreIds,
      nowNs: () => this.timeNs,
      random: () => this.random(),
      portTo: (to) => {
        const port = ports.get(to);
        if (port === undefined) throw new Error(`loopback: core ${coreId} has no port to core ${to}`);
        return port;
      },
      broadcastPort: () => broadcast,
      allocateChannelId: () => this.allocateChannelId(coreId),
      releaseChannelId: (channelId) => this.releaseChannelId(coreId, channelId),
      openChannel: (channelId, side, peerCore, receive) =>
        this.openChannel(coreId, channelId, side, peerCore, receive),
      setTimer: (delayNs, onFire): TimerHandle => {
        if (!(delayNs >= 0) || !Number.isFinite(delayNs))
          throw new Error(`loopback: bad timer delay ${delayNs}ns`);
        const timer: Timer = {
          core: coreId,
          fireNs: this.timeNs + delayNs,
          order: this.timerOrder++,
          onFire,
          cancelled: false,
        };
        if (!this.crashed.has(coreId)) this.timers.push(timer);
        return {
          cancel: () => {
            timer.cancelled = true;
          },
        };
      },
      log: (line) => {
        this.logLines.push(`[core ${coreId}] ${line}`);
      },
    };
  }
}
