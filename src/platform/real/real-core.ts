// One core of the real platform: the CoreEnv over URPC channels in shared memory, and the machine
// that the CPU driver's loop drives (CoreMachine, src/cpu-driver/cpu-driver.ts). It runs inside the
// core's worker thread.
//
// The loop — poll, publish, let continuations run, read the clock now and then, poll on or sleep —
// is the CPU driver's; this file is its I/O. `pollChannels` polls every incoming channel — the
// monitor mesh, the broadcast rings of the other cores, and its dispatchers' channels — and hands
// each message to its receiver; sends made meanwhile, and by the continuations between
// `continuationsBegin` and `continuationsEnd`, are batched and published together (one store per
// batch per ring); outside a turn a port's first send is published at once and the ones after it
// with a publish queued behind the microtasks already queued (`publishLater`). `sleep` blocks on
// the core's doorbell (Atomics.wait) until a sender rings it or the next timer is due, after
// raising each backlogged port's wait-for-credit flag, so that returning credit rings it too.
// Timers are the core's own (timer-queue.ts), fired from the loop.
//
// Failures of other cores: the core's failure detector (liveness.ts, added by core-worker.ts) calls
// `peerCoreFailed`, and the core fans the failure out, once per failed core, to every listener
// registered with `onPeerFailed` (PeerFailureListener): its monitor (and through it the modules
// that handle failures), the report to the boot thread, and the hook for its dispatchers.
//
// Channel frames are reused: a side releases a frame by storing 1 in its release word
// (MemoryPlan.releaseWord) after its last access: when its end closes, once its receiver is out of
// the poll list and its port closed (RingPort.close: what it sent before closing is in the ring, or
// was dropped after portCloseDrainMs without room), and, when the close comes from a handler, only
// after the poll that ran it (a receiver writes its ack after its handlers return). The binding gives
// back an id whose sides never opened (releaseChannelId). `allocateChannelId` takes a never-used
// frame of this core's share first, else one whose two release words both read 1, which it zeroes,
// then zeroes the words, before handing it out: the id reaches the peer in a monitor message whose
// publishing store orders the zeroing before the peer's first access.

import { performance } from "node:perf_hooks";
import type {
  ChannelEnd,
  ChannelReceive,
  CoreEnv,
  CoreLogic,
  Port,
  TimerHandle,
} from "../../cpu-driver/core-env.js";
import {
  type CoreMachine,
  CpuDriver,
  type CpuDriverPolicy,
  microtaskTurn,
} from "../../cpu-driver/cpu-driver.js";
import { describeThrown } from "../../cpu-driver/describe-thrown.js";
import { channelsPerCoreMax, portCloseDrainMs, sleepSliceMs } from "../../limits.js";
import type { PeerFailureListener } from "../../monitor/peer-failure.js";
import { BroadcastSender, openBroadcastReceiver } from "../../urpc/broadcast.js";
import { channelBytes, Doorbell, type RingReceiver, UrpcChannel } from "../../urpc/index.js";
import { CoreTrace, nowUs } from "./core-trace.js";
import { MemoryPlan } from "./memory-plan.js";
import { RingPort } from "./ring-port.js";
import {
  isProbeType,
  probeBeginType,
  probeEcho,
  probeInitiate,
  probePingType,
  probeTotal,
} from "./round-trip-probe.js";
import { TimerQueue } from "./timer-queue.js";

/** What a core's worker is given at start. */
export interface CoreWorkerData {
  readonly coreId: number;
  readonly coreIds: readonly number[];
  readonly memory: SharedArrayBuffer;
  /** CPU to pin this core's thread to, or null not to pin. */
  readonly cpu: number | null;
  /** Record a trace of this core's messages and handlers (`--trace`). */
  readonly trace: boolean;
  /** When the core polls and when it sleeps (chosen by the boot thread). */
  readonly policy: CpuDriverPolicy;
  /** Physical memory: the frames every core shares (physicalMemoryBytes), for address spaces. */
  readonly physicalMemory?: SharedArrayBuffer;
  /** The shared-memory shootdown baseline's region (shared-memory-space.ts). */
  readonly sharedShootdown?: SharedArrayBuffer;
}

/** Work a platform module does in the poll loop (the shared-memory shootdown's request word). */
export interface Poller {
  /** One look; returns how much it did (0 for nothing). */
  poll(): number;
  /** Whether it has work: the core does not sleep while one has. */
  hasWork(): boolean;
}

interface Incoming {
  readonly receiver: RingReceiver;
  readonly handler: (type: number, bytes: Uint8Array, length: number) => void;
  readonly name: string;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class RealCore implements CoreMachine, PeerFailureListener {
  readonly env: CoreEnv;
  readonly coreId: number;
  readonly position: number;
  private readonly plan: MemoryPlan;
  private readonly memory: SharedArrayBuffer;
  private readonly coreIds: readonly number[];
  private readonly doorbells: Doorbell[];
  private readonly incoming: Incoming[] = [];
  private readonly ports = new Map<number, RingPort>();
  private readonly broadcastPort: RingPort;
  /** Ports with written or queued messages to publish; each port adds itself once (RingPort). */
  private dirty: RingPort[] = [];
  /** The other array of the pair that publish() swaps with `dirty`, so that flushing allocates nothing. */
  private stillDirty: RingPort[] = [];
  private logic: CoreLogic | undefined;
  private readonly meshChannels = new Map<number, UrpcChannel>();
  /** Each peer's mesh receiver (traced with --trace), also for messages that arrive during a probe. */
  private readonly meshReceives = new Map<number, Incoming["handler"]>();
  /** Probe work for the loop to run outside any poll (see round-trip-probe.ts). */
  private readonly probes: Array<() => void> = [];
  /** Pings a peer sent before this core entered its echo loop, by peer. */
  private readonly pingsEarly = new Map<number, number>();
  /** This core's trace buffer, with --trace. */
  readonly trace: CoreTrace | undefined;
  private readonly timers = new TimerQueue();
  private readonly pollers: Poller[] = [];
  private nextChannel = 0;
  /** Where the scan for a released frame of this core's share starts next (round robin). */
  private reuseCursor = 0;
  /** Whether pollChannels is polling receivers: a side closed meanwhile is released after it. */
  private polling = false;
  /** Release words of sides closed during the current poll, stored when it ends. */
  private readonly releasesAfterPoll: number[] = [];
  private isRunning = false;
  /** Messages delivered, for statistics. */
  delivered = 0;
  /** The CPU driver: when to poll, yield or sleep, and its counters (sleeps, calls in flight). */
  readonly driver: CpuDriver;
  /** Errors thrown by receivers (logged, never fatal to the core). */
  receiveErrors = 0;
  /** The shared memory as words, for the control count the boot thread bumps (MemoryPlan.controlWord). */
  private readonly words: Int32Array;
  private readonly controlWord: number;
  /** The control count when the core last gave its event loop a turn. */
  private controlSeen = 0;
  /** Who hears of a failed peer core, in the order registered (onPeerFailed). */
  private readonly peerFailureListeners: PeerFailureListener[] = [];
  /** Peer cores declared failed, each fanned out once. */
  private readonly failedPeers = new Set<number>();

  constructor(
    data: CoreWorkerData,
    private readonly log: (line: string) => void,
  ) {
    this.coreId = data.coreId;
    this.coreIds = data.coreIds;
    this.memory = data.memory;
    this.position = data.coreIds.indexOf(data.coreId);
    this.trace = data.trace ? new CoreTrace(data.coreId) : undefined;
    this.driver = new CpuDriver(data.policy, performance.now() * 1e6);
    if (this.position < 0)
      throw new Error(`core ${data.coreId} is not among the booted cores ${data.coreIds.join(",")}`);
    const n = data.coreIds.length;
    this.plan = new MemoryPlan(n);
    this.words = new Int32Array(this.memory);
    this.controlWord = this.plan.controlWord(this.position);
    this.doorbells = data.coreIds.map((_, i) => new Doorbell(this.memory, this.plan.doorbellWord(i)));
    const me = this.position;
    for (let p = 0; p < n; p++) {
      if (p === me) continue;
      const peer = data.coreIds[p]!;
      const { byteOffset, side } = this.plan.meshChannel(me, p);
      const channel = new UrpcChannel(this.memory, byteOffset, side, `monitor ${this.coreId}<->${peer}`, {
        receiveDoorbell: this.doorbells[me]!,
        peerDoorbell: this.doorbells[p]!,
      });
      this.ports.set(
        peer,
        new RingPort(
          `monitor ${this.coreId}->${peer}`,
          channel.sender,
          this,
          `mesh ${this.coreId}->${peer}`,
          peer,
        ),
      );
      this.meshChannels.set(peer, channel);
      const meshReceive = this.traced(`mesh ${peer}->${this.coreId}`, peer, (type, bytes, length) => {
        if (isProbeType(type)) this.probeMessage(peer, type, bytes, length);
        else this.logic?.receive(peer, type, bytes, length);
      });
      this.meshReceives.set(peer, meshReceive);
      this.addIncoming(channel.receiver, meshReceive);
      // The broadcast ring that core p writes: this core reads it at its rank among p's readers.
      const rank = me < p ? me : me - 1;
      const reader = openBroadcastReceiver(
        `broadcast ${peer}->${this.coreId}`,
        this.memory,
        this.plan.broadcastRing(p),
        n - 1,
        rank,
        this.doorbells[p]!,
      );
      this.addIncoming(
        reader,
        this.traced(`broadcast ${peer}`, peer, (type, bytes, length) =>
          this.logic?.receive(peer, type, bytes, length),
        ),
      );
    }
    const readers = this.doorbells.filter((_, i) => i !== me);
    const broadcast = new BroadcastSender(
      `broadcast ${this.coreId}`,
      this.memory,
      this.plan.broadcastRing(me),
      readers,
    );
    this.broadcastPort = new RingPort(
      `broadcast ${this.coreId}`,
      broadcast,
      this,
      `broadcast ${this.coreId}`,
      -1,
    );
    this.env = this.makeEnv();
  }

  /** A probe-begin from `peer`: echo its pings once the current poll is over. */
  private probeMessage(peer: number, type: number, bytes: Uint8Array, length: number): void {
    if (type === probePingType && this.pingsEarly.has(peer)) {
      // The poll that delivered the probe-begin went on to the first ping: count it as owed.
      this.pingsEarly.set(peer, this.pingsEarly.get(peer)! + 1);
      return;
    }
    if (type !== probeBeginType) {
      this.log(`round-trip probe: stray message 0x${type.toString(16)} from core ${peer} ignored`);
      return;
    }
    const total = probeTotal(bytes, length);
    const channel = this.meshChannels.get(peer)!;
    this.pingsEarly.set(peer, 0);
    this.probes.push(() => {
      const early = this.pingsEarly.get(peer) ?? 0;
      this.pingsEarly.delete(peer);
      probeEcho(channel, total, early, this.meshReceives.get(peer)!);
    });
  }

  /** Measures round trips to `peer` tightly, outside the poll loop; resolves with the samples. */
  private measureRoundTrips(peer: number, warmupRounds: number, rounds: number): Promise<number[]> {
    const channel = this.meshChannels.get(peer);
    if (channel === undefined)
      return Promise.reject(new Error(`core ${this.coreId}: no monitor channel to core ${peer}`));
    return new Promise((resolve, reject) => {
      this.probes.push(() => {
        try {
          resolve(probeInitiate(channel, warmupRounds, rounds, this.meshReceives.get(peer)!));
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  /** Runs the probes queued by the last poll. */
  private runProbes(): number {
    let ran = 0;
    while (this.probes.length > 0) {
      const probe = this.probes.shift()!;
      try {
        probe();
      } catch (error) {
        this.log(`round-trip probe failed: ${describeThrown(error)}`);
      }
      ran++;
    }
    return ran;
  }

  /**
   * With --trace, wraps a receiver: each message is a flow's end and a handler slice. The round-trip
   * probe's messages are sent straight on the channel, not through the port that counts sends, so
   * they are not counted here either (a slice, no flow): the k-th counted message on each side stays
   * the same message.
   */
  private traced(flowName: string, fromCore: number, handler: Incoming["handler"]): Incoming["handler"] {
    const trace = this.trace;
    if (trace === undefined) return handler;
    const key = trace.channelKey(flowName);
    let sequence = 0;
    return (type, bytes, length) => {
      const start = nowUs();
      if (!isProbeType(type)) trace.receive(start, fromCore, type, key, sequence++);
      try {
        handler(type, bytes, length);
      } finally {
        trace.slice(start, nowUs() - start, fromCore, type, key);
      }
    };
  }

  private addIncoming(receiver: RingReceiver, handler: Incoming["handler"]): void {
    this.incoming.push({ receiver, handler, name: receiver.name });
  }

  /**
   * A port has sends to publish (PortOwner): the turn publishes them, or, outside one, the loop's
   * next publish or the publish queued by `publishLater`, whichever comes first.
   */
  markDirty(port: RingPort): void {
    this.dirty.push(port);
    if (!this.inTurn) this.queuePublish();
  }

  /**
   * Outside a turn, `port` published a send at once (PortOwner): its later sends wait for a publish
   * queued behind the microtasks already queued, after which the port publishes at once again.
   */
  publishLater(port: RingPort): void {
    this.stretchPorts.push(port);
    this.queuePublish();
  }

  /** Ports that published a send at once outside a turn since the queued publish last ran. */
  private readonly stretchPorts: RingPort[] = [];
  /** Whether a publish is queued (queuePublish). */
  private publishQueued = false;

  private queuePublish(): void {
    if (this.publishQueued) return;
    this.publishQueued = true;
    void microtaskTurn.then(this.publishQueuedSends);
  }

  private readonly publishQueuedSends = (): void => {
    this.publishQueued = false;
    const ports = this.stretchPorts;
    while (ports.length > 0) ports.pop()!.stretchEnded();
    try {
      this.publish();
    } catch (error) {
      this.log(`publishing queued sends failed: ${describeThrown(error)}`);
    }
  };

  private makeEnv(): CoreEnv {
    const core = this;
    return {
      coreId: this.coreId,
      coreIds: this.coreIds,
      nowNs: () => performance.now() * 1e6,
      random: () => Math.random(),
      portTo(coreId: number): Port {
        const port = core.ports.get(coreId);
        if (port === undefined) throw new Error(`core ${core.coreId}: no monitor channel to core ${coreId}`);
        return port;
      },
      broadcastPort: () => this.broadcastPort,
      allocateChannelId: () => this.allocateChannelId(),
      releaseChannelId: (channelId) => this.releaseChannelId(channelId),
      measureRoundTrips: (peer, warmupRounds, rounds) => this.measureRoundTrips(peer, warmupRounds, rounds),
      openChannel: (channelId, side, peerCore, receive) =>
        this.openChannel(channelId, side, peerCore, receive),
      setTimer: (delayNs: number, onFire: () => void): TimerHandle => this.timers.add(delayNs / 1e6, onFire),
      log: (line: string) => this.log(line),
      activity: this.driver,
    };
  }

  /** A never-used frame of this core's share, else a released one made fresh (see the header). */
  private allocateChannelId(): number {
    const first = this.position * channelsPerCoreMax;
    if (this.nextChannel < channelsPerCoreMax) return first + this.nextChannel++;
    for (let i = 0; i < channelsPerCoreMax; i++) {
      const id = first + ((this.reuseCursor + i) % channelsPerCoreMax);
      const client = this.plan.releaseWord(id, 0);
      const server = this.plan.releaseWord(id, 1);
      if (Atomics.load(this.words, client) !== 1 || Atomics.load(this.words, server) !== 1) continue;
      const frameWord = this.plan.frame(id) / 4;
      this.words.fill(0, frameWord, frameWord + channelBytes / 4);
      Atomics.store(this.words, client, 0);
      Atomics.store(this.words, server, 0);
      this.reuseCursor = (id - first + 1) % channelsPerCoreMax;
      return id;
    }
    throw new Error(
      `core ${this.coreId}: all ${channelsPerCoreMax} channel frames are in use (limits.channelsPerCoreMax)`,
    );
  }

  /** Gives back an id of this core's share whose sides never opened, or have closed (CoreEnv). */
  private releaseChannelId(channelId: number): void {
    const first = this.position * channelsPerCoreMax;
    if (!Number.isInteger(channelId) || channelId < first || channelId >= first + channelsPerCoreMax) {
      throw new Error(`core ${this.coreId}: cannot give back channel ${channelId}, not one of its frames`);
    }
    this.releaseSide(channelId, 0);
    this.releaseSide(channelId, 1);
  }

  /** Stores `side`'s release word now, or after the poll in progress (see the header). */
  private releaseSide(channelId: number, side: 0 | 1): void {
    const word = this.plan.releaseWord(channelId, side);
    if (this.polling) this.releasesAfterPoll.push(word);
    else Atomics.store(this.words, word, 1);
  }

  private openChannel(channelId: number, side: 0 | 1, peerCore: number, receive: ChannelReceive): ChannelEnd {
    const peer = this.coreIds.indexOf(peerCore);
    if (peer < 0)
      throw new Error(
        `core ${this.coreId}: cannot open channel ${channelId} to core ${peerCore}, which does not exist`,
      );
    const channel = new UrpcChannel(this.memory, this.plan.frame(channelId), side, `channel ${channelId}`, {
      receiveDoorbell: this.doorbells[this.position]!,
      peerDoorbell: this.doorbells[peer]!,
    });
    const port = new RingPort(
      `channel ${channelId} ${this.coreId}->${peerCore}`,
      channel.sender,
      this,
      `channel ${channelId} ${this.coreId}->${peerCore}`,
      peerCore,
    );
    const handler = this.traced(`channel ${channelId} ${peerCore}->${this.coreId}`, peerCore, receive);
    const entry: Incoming = { receiver: channel.receiver, handler, name: channel.receiver.name };
    this.incoming.push(entry);
    return {
      name: port.name,
      send: (type, bytes, length) => port.send(type, bytes, length),
      slot: port.slot,
      drain: port.drain,
      close: () => {
        const i = this.incoming.indexOf(entry);
        if (i < 0) return;
        this.incoming.splice(i, 1);
        this.closePort(port, () => this.releaseSide(channelId, side));
      },
    };
  }

  /**
   * Closes a dispatcher channel's port: what it sent before still goes out as the peer makes room
   * (RingPort.close), for at most portCloseDrainMs; then `released` runs, and the frame's side may
   * be reused. What the peer did not take in time is dropped and logged.
   */
  private closePort(port: RingPort, released: () => void): void {
    let timer: TimerHandle | undefined;
    /** Why what still waits at the end is dropped. */
    let why = `its peer took no room for it within ${portCloseDrainMs} ms (portCloseDrainMs)`;
    port.close((dropped) => {
      timer?.cancel();
      if (dropped > 0)
        this.log(`${port.name}: closed with ${dropped} message(s) waiting for room: ${why}; dropped`);
      released();
    });
    if (!port.draining) return;
    try {
      timer = this.timers.add(portCloseDrainMs, () => port.abandon());
    } catch (error) {
      // No timer, no bound on the drain: what waits is dropped now, saying why.
      why = `no timer to bound the wait (${describeThrown(error)})`;
      port.abandon();
    }
  }

  /** Adds a poller to the poll loop; returns a function that removes it. */
  addPoller(poller: Poller): () => void {
    this.pollers.push(poller);
    return () => {
      const i = this.pollers.indexOf(poller);
      if (i >= 0) this.pollers.splice(i, 1);
    };
  }

  /**
   * Registers `listener` to hear of every peer core declared failed from now on; returns a
   * function that removes it. The hook through which failures reach the monitor, the boot thread
   * and the dispatchers (see core-worker.ts).
   */
  onPeerFailed(listener: PeerFailureListener): () => void {
    this.peerFailureListeners.push(listener);
    return () => {
      const i = this.peerFailureListeners.indexOf(listener);
      if (i >= 0) this.peerFailureListeners.splice(i, 1);
    };
  }

  /** Core `coreId` was declared failed: tells every listener, once; one that throws is logged. */
  peerCoreFailed(coreId: number, reason: string): void {
    if (coreId === this.coreId || this.failedPeers.has(coreId)) return;
    this.failedPeers.add(coreId);
    for (const listener of [...this.peerFailureListeners]) {
      try {
        listener.peerCoreFailed(coreId, reason);
      } catch (error) {
        this.log(`a listener of core ${coreId}'s failure threw: ${describeThrown(error)}`);
      }
    }
  }

  /** Rings `coreId`'s doorbell: wakes it if it sleeps (the IPI analogue). */
  ringDoorbell(coreId: number): void {
    const index = this.coreIds.indexOf(coreId);
    if (index < 0) throw new Error(`core ${this.coreId}: no core ${coreId} to ring`);
    this.doorbells[index]!.ring();
  }

  /** Whether the core is inside a poll turn (sends are batched until the turn ends). */
  inTurn = false;

  /** Polls every incoming ring once (CoreMachine); returns the messages delivered. */
  pollChannels(): number {
    let delivered = 0;
    this.inTurn = true;
    const incoming = this.incoming;
    this.polling = true;
    for (let i = 0; i < incoming.length; i++) {
      const entry = incoming[i]!;
      try {
        delivered += entry.receiver.poll(entry.handler);
      } catch (error) {
        delivered++;
        this.receiveErrors++;
        this.log(`error receiving on ${entry.name}: ${describeThrown(error)}`);
      }
    }
    this.polling = false;
    // (Setting an array's length calls into the runtime, tens of nanoseconds: only when needed.)
    const releases = this.releasesAfterPoll;
    if (releases.length > 0) {
      for (let i = 0; i < releases.length; i++) Atomics.store(this.words, releases[i]!, 1);
      releases.length = 0;
    }
    let polled = 0;
    for (let i = 0; i < this.pollers.length; i++) polled += this.pollers[i]!.poll();
    this.inTurn = false;
    this.delivered += delivered;
    return delivered + polled;
  }

  /** Publishes every port's written messages and moves backlogs into rings (CoreMachine). */
  publish(): void {
    const ports = this.dirty;
    if (ports.length === 0) return;
    const kept = this.stillDirty;
    this.dirty = kept;
    this.stillDirty = ports;
    for (let i = 0; i < ports.length; i++) {
      const port = ports[i]!;
      if (!port.flush()) kept.push(port);
    }
    // pop() is inlined; setting `length` calls into the runtime (see pollChannels).
    while (ports.length > 0) ports.pop();
  }

  private readonly hasWorkCheck = (): boolean => this.hasWork();

  private hasWork(): boolean {
    // (stop() runs on this thread, in an event-loop turn, and the loop checks `running` after it.)
    if (this.probes.length > 0) return true;
    // A control message posted since the last event-loop turn is waiting there, or on its way.
    if (this.eventLoopWanted()) return true;
    for (let i = 0; i < this.dirty.length; i++) if (this.dirty[i]!.canDrain()) return true;
    for (const entry of this.incoming) if (entry.receiver.hasMessage()) return true;
    for (const poller of this.pollers) if (poller.hasWork()) return true;
    return false;
  }

  /** Fires the timers that are due at `nowNs`; returns how many (0 at once when none are pending). */
  fireTimers(nowNs: number): number {
    if (this.timers.size === 0) return 0;
    const fired = this.timers.fireDue(nowNs / 1e6);
    if (fired > 0) this.publish();
    return fired;
  }

  /** Runs `logic` until `stop()`: the CPU driver's loop over this core (CoreMachine). */
  async run(logic: CoreLogic): Promise<void> {
    this.logic = logic;
    this.isRunning = true;
    logic.start();
    this.publish();
    await this.driver.run(this);
  }

  // ---- CoreMachine: what the CPU driver's loop drives -------------------------------------------

  hasUnpublished(): boolean {
    return this.dirty.length > 0;
  }

  /** Sends from here to continuationsEnd() are batched: promise continuations run in between. */
  continuationsBegin(): void {
    this.inTurn = true;
  }

  /** Publishes what the continuations sent; later sends, outside a turn, queue a publish (markDirty). */
  continuationsEnd(): void {
    this.inTurn = false;
    this.publish();
  }

  nowNs(): number {
    return performance.now() * 1e6;
  }

  runDeferred(): number {
    return this.probes.length > 0 ? this.runProbes() : 0;
  }

  /** Gives the event loop a turn; control messages posted until now are handled in it. */
  yieldToEventLoop(): Promise<void> {
    this.controlSeen = Atomics.load(this.words, this.controlWord);
    return yieldToEventLoop();
  }

  /** Whether the boot thread posted a control message since the last event-loop turn (CoreMachine). */
  eventLoopWanted(): boolean {
    return Atomics.load(this.words, this.controlWord) !== this.controlSeen;
  }

  /** Sleeps on the doorbell until rung, the next timer, or sleepSliceMs; returns whether it slept. */
  sleep(nowNs: number): boolean {
    // Blocking the thread: a waitAsync wake-up goes through the event loop and costs up to
    // milliseconds; Atomics.wait costs microseconds. Nothing else needs the thread meanwhile:
    // timers are this core's own (the next due one bounds the sleep), and the boot thread rings
    // the doorbell after each control message it posts.
    const sleepMs = Math.min(sleepSliceMs, Math.max(0, this.timers.nextDueMs() - nowNs / 1e6));
    if (sleepMs <= 0) return false;
    // Ports with a backlog ask their receivers to ring this core when credit returns; the flag is
    // raised before the doorbell's, so that either the receiver sees it or hasWork sees the credit.
    for (let i = 0; i < this.dirty.length; i++) if (this.dirty[i]!.awaitCredit()) return false;
    return this.doorbells[this.position]!.sleep(this.hasWorkCheck, sleepMs);
  }

  /** False once stop() was called: the CPU driver's loop then returns. */
  get running(): boolean {
    return this.isRunning;
  }

  stop(): void {
    this.isRunning = false;
    this.doorbells[this.position]!.ring();
  }
}
