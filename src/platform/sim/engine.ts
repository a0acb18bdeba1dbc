// The discrete-event simulator: runs unchanged per-core logic on a machine model in virtual time.
//
// Time is in cycles of the machine's clock. Every happening is an event in one queue, ordered by
// (time, seeded tie-break, sequence); one seed gives one run, byte for byte (see event-queue.ts).
// Each core runs one handler at a time: a handler that starts at t charges cycles as it goes —
// receiveCycles to take the message from its ring, sendCycles per message it sends, and whatever
// the logic charges itself (SimCoreEnv.chargeCycles) — each divided by the core's speed,
// multiplied by a slow-core fault's factor and by a seeded jitter; the core is busy until the
// handler's cursor. Messages that arrive meanwhile wait in the core's inbox, in arrival order.
//
// Channels are modelled as URPC is built (cost-model.ts gives the numbers): a send writes
// ceil(length / slotPayloadBytes) slots when the ring has credit — the ring holds slotsPerRing
// slots; the reader publishes its consumed count every ackEverySlots slots, and the sender reads
// that ack line (one transfer) only when it runs out of credit, queueing messages meanwhile up to
// simSendQueueMessagesMax. Each written line is then served to its reader by the sender's cache,
// one transfer at a time (serveRead), and the message arrives with its last line. A broadcast port
// is one ring with many readers: every line is served to each of them in turn, in a seeded order.
// Per-stream FIFO holds whatever the jitter and faults: a message arrives no earlier than the one
// before it on the same stream, and one at the same time reuses the previous one's tie-break, so
// the event queue's sequence number keeps them in send order (see event-queue.ts).
//
// The simulator never reads the host clock; callers that want host speed measure it (src/bench/).

import { writeFileSync } from "node:fs";
import type {
  ChannelEnd,
  ChannelReceive,
  CoreEnv,
  CoreLogic,
  Port,
  TimerHandle,
} from "../../cpu-driver/core-env.js";
import {
  ackEverySlots,
  messageBytesMax,
  messageTypesMax,
  simChannelsPerCoreMax,
  simEventsPerRunMax,
  simHandlerJitterFraction,
  simSendQueueMessagesMax,
  slotPayloadBytes,
  slotsPerRing,
} from "../../limits.js";
import { ChannelChecker } from "./checkers.js";
import { CostModel } from "./cost-model.js";
import { EventQueue } from "./event-queue.js";
import { type Fault, type FaultPlan, planFaults } from "./faults.js";
import { Fifo } from "./fifo.js";
import type { Machine } from "./machine.js";
import { Prng } from "./prng.js";
import { TraceRecorder } from "./trace.js";

/** The simulator's extension of CoreEnv, for logic that knows it is simulated (benchmarks, tests). */
export interface SimCoreEnv extends CoreEnv {
  /** Charges `cycles` of work to the running handler (scaled by speed, faults and jitter). */
  chargeCycles(cycles: number): void;
  /** Current virtual time in cycles. */
  nowCycles(): number;
}

export interface SimulationOptions {
  readonly seed: number;
  readonly faults?: readonly Fault[];
  /** Record a Chrome trace (see trace.ts); read it with `traceJson()`. */
  readonly trace?: boolean;
  /** Check per-stream FIFO, loss and duplication as the run goes (default true). */
  readonly check?: boolean;
  /** Receives each line a core's logic logs, prefixed with the core and the virtual time. */
  readonly log?: (line: string) => void;
  /** Handler-cost jitter as a fraction (default simHandlerJitterFraction). */
  readonly jitterFraction?: number;
}

export interface RunOptions {
  /** Stop before the first event later than this virtual time. */
  readonly untilCycles?: number;
  /** Process at most this many events (a bound; the run says when it hit it). */
  readonly maxEvents: number;
}

export interface RunStats {
  readonly stoppedBy: "idle" | "untilCycles" | "maxEvents";
  /** Events processed by this call. */
  readonly events: number;
  /** Messages handed to a core's logic by this call (a broadcast counts once per reader). */
  readonly deliveries: number;
  /** Messages dropped at a crashed receiver by this call. */
  readonly dropped: number;
  /** Virtual time at the end of the call. */
  readonly virtualCycles: number;
}

const evArrive = 0;
const evWake = 1;
const evTimer = 2;
const evCredit = 3;
const evCrash = 4;
const evStart = 5;

const itemMessage = 0;

/**
 * A message in flight. Messages are recycled (Simulation.freeMessage) once delivered or dropped,
 * in pools by length, so that a send allocates nothing: `bytes` is exactly `length` long and is
 * handed to the receiver, which may use it only during the call (core-env.ts).
 */
class Message {
  readonly kind = itemMessage;
  /** The stream it travels on (a broadcast has one copy per reader). */
  stream: Stream;
  id = 0;
  from = 0;
  type = 0;
  slots = 1;
  readonly bytes: Uint8Array;

  constructor(stream: Stream, length: number) {
    this.stream = stream;
    this.bytes = new Uint8Array(length);
  }
}

/** The receiving end of a dispatcher channel (openChannel); messages wait until it opens. */
interface DispatcherEnd {
  receive: ChannelReceive | null;
  closed: boolean;
  readonly early: Message[];
}

/**
 * One sender-to-reader direction of a channel, and the FIFO of its messages written and not yet
 * arrived (one object, for the same reason as Channel below).
 */
class Stream {
  /** Null for monitor and broadcast channels (delivered to the logic's receive). */
  end: DispatcherEnd | null = null;
  /** Index into the simulation's per-stream arrays (a double in an object field is boxed). */
  index = 0;
  /** The tie-break drawn for the last arrival; an arrival at the same time reuses it (FIFO). */
  lastTie = 0;
  /** Messages arrived at the reader and not yet consumed (so the ring is dry when 0). */
  queued = 0;
  consumedSlots = 0;
  publishedSlots = 0;

  readonly channel: Channel;

  /** `channel` null: this stream is a unicast Channel's own (see Channel). */
  constructor(
    readonly name: string,
    channel: Channel | null,
    readonly reader: CoreState,
  ) {
    this.channel = channel ?? (this as unknown as Channel);
  }
}

/**
 * One channel: a sender, its readers' streams, its credit. It is also the sender's Port (one
 * object per channel keeps the simulator's memory per channel small, which is what bounds its
 * speed on machines of hundreds of cores).
 */
class Channel extends Stream implements Port {
  readonly streams: Stream[] = [];
  /** streams[0], the only stream of a monitor or dispatcher channel (one load fewer per send). */
  first: Stream | null = null;
  sentSlots = 0;
  /** The sender's view of the readers' acks (the least of them). */
  ackedSlots = 0;
  /** Messages waiting for credit, made when first needed. */
  waiting: Fifo<Message> | null = null;
  awaitingAck = false;
  creditPending = false;

  /** A unicast channel is its own single stream (one object); a broadcast's streams are separate. */
  constructor(
    private readonly sim: { sendOn(channel: Channel, type: number, bytes: Uint8Array, length: number): void },
    name: string,
    readonly sender: CoreState,
    readonly broadcast: boolean,
    reader: CoreState,
  ) {
    super(name, null, reader);
  }

  send(type: number, bytes: Uint8Array, length: number): void {
    this.sim.sendOn(this, type, bytes, length);
  }
}

interface Timer {
  readonly kind: typeof itemTimer;
  readonly core: CoreState;
  readonly onFire: () => void;
  cancelled: boolean;
}

const itemTimer = 1;
const itemStart = 2;
const startItem = { kind: itemStart } as const;
type InboxItem = Message | Timer | typeof startItem;

interface CoreState {
  readonly id: number;
  readonly speed: number;
  logic: CoreLogic | null;
  readonly env: SimCoreEnv;
  readonly random: Prng;
  readonly inbox: Fifo<InboxItem>;
  wakeScheduled: boolean;
  crashed: boolean;
  channelIdsAllocated: number;
  /** Monitor channels to other cores, by core id (created on first use). */
  readonly ports: (Channel | undefined)[];
  broadcastChannel: Channel | null;
  /** Every channel this core sends on (for crash-stop). */
  readonly channels: Channel[];
}

/** Copies `length` bytes of `from` into `to` (a loop: most messages are a few lines). */
function copyBytes(to: Uint8Array, from: Uint8Array, length: number): void {
  if (length > 256) to.set(from.subarray(0, length));
  else for (let i = 0; i < length; i++) to[i] = from[i]!;
}

export class Simulation {
  readonly costs: CostModel;
  private readonly prng: Prng;
  private readonly faults: FaultPlan;
  private readonly jitterFraction: number;
  private readonly queue = new EventQueue();
  private readonly cores = new Map<number, CoreState>();
  private coreIds: number[] = [];
  private readonly trace: TraceRecorder | null;
  readonly checker: ChannelChecker | null;
  private started = false;
  private nowCycles = 0;
  private nextMessageId = 1;
  private current: CoreState | null = null;
  private cursorCycles = 0;
  private deliveries = 0;
  private dropped = 0;
  private nextChannelId = 1;
  private streamCount = 0;
  /** Free messages by length (see Message). */
  private readonly messagePools: Message[][] = [];
  /** Per core (by id): when its running handler ends. */
  private readonly busyUntilCycles: Float64Array;
  /** Per stream (by Stream.index): the arrival time of its last message. */
  private lastArrivalCycles = new Float64Array(1024);
  /** Dispatcher channels by id: each side's receiving end and its opener's core. */
  private readonly dispatcherChannels = new Map<
    number,
    { ends: [DispatcherEnd, DispatcherEnd]; cores: [number, number] }
  >();

  constructor(
    readonly machine: Machine,
    private readonly options: SimulationOptions,
  ) {
    if (!Number.isFinite(options.seed))
      throw new RangeError(`Simulation: seed must be a finite number, got ${options.seed}`);
    this.costs = new CostModel(machine);
    this.busyUntilCycles = new Float64Array(machine.cores.length);
    this.prng = new Prng(options.seed);
    this.faults = planFaults(options.faults ?? [], machine.cores.length);
    this.jitterFraction = options.jitterFraction ?? simHandlerJitterFraction;
    if (!(this.jitterFraction >= 0 && this.jitterFraction < 0.5)) {
      throw new RangeError(`Simulation: jitterFraction must be in [0, 0.5), got ${this.jitterFraction}`);
    }
    this.trace = options.trace === true ? new TraceRecorder(machine.name, machine.clockGHz, []) : null;
    this.checker = options.check === false ? null : new ChannelChecker(true);
  }

  /** Adds a core running the logic `factory` builds from its environment. Call before `run`. */
  addCore(coreId: number, factory: (env: SimCoreEnv) => CoreLogic): void {
    if (this.started) throw new Error("Simulation.addCore: the simulation has started");
    const spec = this.machine.cores[coreId];
    if (spec === undefined) {
      throw new RangeError(
        `Simulation.addCore: core ${coreId} does not exist on ${this.machine.name} (${this.machine.cores.length} cores)`,
      );
    }
    if (this.cores.has(coreId)) throw new Error(`Simulation.addCore: core ${coreId} added twice`);
    const core: CoreState = {
      id: coreId,
      speed: spec.speed,
      logic: null,
      env: this.makeEnv(coreId),
      random: new Prng(this.options.seed).fork(coreId + 1),
      inbox: new Fifo<InboxItem>(),
      wakeScheduled: false,
      crashed: false,
      channelIdsAllocated: 0,
      ports: new Array<Channel | undefined>(this.machine.cores.length).fill(undefined),
      broadcastChannel: null,
      channels: [],
    };
    this.cores.set(coreId, core);
    core.logic = factory(core.env);
  }

  /** Virtual time now, in cycles. */
  get timeCycles(): number {
    return this.nowCycles;
  }

  /** Runs until idle, `untilCycles` or `maxEvents`, whichever first. May be called again to go on. */
  run(options: RunOptions): RunStats {
    const maxEvents = Math.min(options.maxEvents, simEventsPerRunMax);
    if (!(maxEvents >= 0))
      throw new RangeError(`Simulation.run: maxEvents must be >= 0, got ${options.maxEvents}`);
    if (!this.started) this.begin();
    const until = options.untilCycles ?? Number.POSITIVE_INFINITY;
    const deliveries0 = this.deliveries;
    const dropped0 = this.dropped;
    let events = 0;
    let stoppedBy: RunStats["stoppedBy"] = "idle";
    for (;;) {
      const nextCycles = this.queue.peekTimeCycles();
      if (nextCycles === Number.POSITIVE_INFINITY) break;
      if (nextCycles > until) {
        stoppedBy = "untilCycles";
        this.nowCycles = Math.max(this.nowCycles, until);
        break;
      }
      if (events >= maxEvents) {
        stoppedBy = "maxEvents";
        break;
      }
      this.queue.pop();
      events++;
      this.nowCycles = this.queue.poppedTimeCycles;
      this.dispatch(this.queue.poppedKind, this.queue.poppedTarget);
    }
    return {
      stoppedBy,
      events,
      deliveries: this.deliveries - deliveries0,
      dropped: this.dropped - dropped0,
      virtualCycles: this.nowCycles,
    };
  }

  /** Writes the Chrome trace of the run so far to `file` (the `--trace FILE` option). */
  writeTrace(file: string): void {
    writeFileSync(file, this.traceJson());
  }

  /** The Chrome trace of the run so far (requires `trace: true`). */
  traceJson(): string {
    if (this.trace === null)
      throw new Error("Simulation.traceJson: the simulation was made without trace: true");
    return this.trace.toJson();
  }

  // ---- Scheduling ----------------------------------------------------------------------------

  private schedule(timeCycles: number, kind: number, target: unknown): void {
    this.queue.push(timeCycles, this.prng.nextUint32() >>> 12, kind, target);
  }

  private begin(): void {
    this.started = true;
    this.coreIds = [...this.cores.keys()].sort((a, b) => a - b);
    if (this.trace !== null) {
      const recorder = new TraceRecorder(this.machine.name, this.machine.clockGHz, this.coreIds);
      (this as unknown as { trace: TraceRecorder | null }).trace = recorder;
    }
    for (const crash of this.faults.crashes) {
      const core = this.cores.get(crash.core);
      if (core !== undefined) this.schedule(crash.atCycles, evCrash, core);
    }
    for (const id of this.coreIds) this.schedule(0, evStart, this.cores.get(id));
  }

  private dispatch(kind: number, target: unknown): void {
    switch (kind) {
      case evArrive:
        this.arrive(target as Message);
        break;
      case evWake: {
        const core = target as CoreState;
        core.wakeScheduled = false;
        this.kick(core);
        break;
      }
      case evTimer: {
        const timer = target as Timer;
        if (!timer.cancelled && !timer.core.crashed) this.enqueue(timer.core, timer);
        break;
      }
      case evCredit:
        this.credit(target as Channel);
        break;
      case evCrash: {
        this.crash(target as CoreState);
        break;
      }
      case evStart:
        this.enqueue(target as CoreState, startItem);
        break;
    }
  }

  // ---- Cores ---------------------------------------------------------------------------------

  /**
   * Crash-stop: the core runs nothing more. Messages that had arrived and were not yet handled,
   * and messages it had queued for credit but not yet written, are dropped, and the checker is
   * told why (they are not losses of the channel).
   */
  private crash(core: CoreState): void {
    core.crashed = true;
    for (let item = core.inbox.shift(); item !== undefined; item = core.inbox.shift()) {
      if (item.kind === itemMessage) {
        this.dropped++;
        this.checker?.dropped(item.stream.name, item.id, `core ${core.id} crashed`);
        this.freeMessage(item);
      }
    }
    for (const channel of core.channels) {
      const waiting = channel.waiting;
      if (waiting === null) continue;
      for (let m = waiting.shift(); m !== undefined; m = waiting.shift()) {
        for (const stream of channel.streams)
          this.checker?.dropped(stream.name, m.id, `sender ${core.id} crashed`);
        this.freeMessage(m);
      }
    }
    this.trace?.instant(core.id, this.nowCycles, "crash");
  }

  private enqueue(core: CoreState, item: InboxItem): void {
    core.inbox.push(item);
    this.kick(core);
  }

  /** Runs the core's next inbox item now if it is free, else makes sure it wakes when it is. */
  private kick(core: CoreState): void {
    if (core.wakeScheduled || core.crashed || core.inbox.length === 0) return;
    const now = this.nowCycles;
    let readyCycles = this.busyUntilCycles[core.id]!;
    for (const stall of this.faults.stalls) {
      if (stall.core === core.id && now >= stall.fromCycles && now < stall.toCycles) {
        readyCycles = Math.max(readyCycles, stall.toCycles);
      }
    }
    if (readyCycles > now) {
      core.wakeScheduled = true;
      this.schedule(readyCycles, evWake, core);
      return;
    }
    const item = core.inbox.shift()!;
    this.runHandler(core, item);
    if (core.inbox.length > 0 && !core.crashed) {
      core.wakeScheduled = true;
      this.schedule(this.busyUntilCycles[core.id]!, evWake, core);
    }
  }

  private runHandler(core: CoreState, item: InboxItem): void {
    const start = this.nowCycles;
    this.current = core;
    this.cursorCycles = start;
    const logic = core.logic!;
    const trace = this.trace;
    // The trace's slice name and arguments, made only when tracing (strings cost per delivery).
    let name = "";
    let args = "";
    try {
      if (item.kind === itemMessage) {
        const message = item;
        const stream = message.stream;
        this.charge(core, this.costs.receiveCycles);
        this.consume(stream, message, start);
        this.deliveries++;
        if (trace !== null) {
          trace.flowIn(core.id, start, message.id);
          name = `recv ${message.type} from ${message.from}`;
          args = `{"id":${message.id},"bytes":${message.bytes.length}}`;
        }
        if (stream.end === null)
          logic.receive(message.from, message.type, message.bytes, message.bytes.length);
        else if (!stream.end.closed) stream.end.receive!(message.type, message.bytes, message.bytes.length);
        this.freeMessage(message);
      } else if (item.kind === itemTimer) {
        this.charge(core, this.costs.receiveCycles);
        name = "timer";
        args = "{}";
        item.onFire();
      } else {
        name = "start";
        args = "{}";
        logic.start();
      }
    } finally {
      this.current = null;
    }
    this.busyUntilCycles[core.id] = this.cursorCycles;
    trace?.slice(core.id, start, this.cursorCycles - start, name, args);
  }

  /**
   * Runs `work` as `core`'s own work when no handler runs: code after an `await` in a domain runs
   * in a microtask between events, and what it does (sends, charges) belongs to its core. It starts
   * when the core is free (after its running handler, and after a stall), at the earliest now, and
   * keeps the core busy for what it costs. Deterministic: microtasks run in a fixed order between
   * the engine's events.
   */
  asContinuation(core: CoreState, work: () => void): void {
    if (core.crashed) return;
    let start = Math.max(this.nowCycles, this.busyUntilCycles[core.id]!);
    for (const stall of this.faults.stalls) {
      if (stall.core === core.id && start >= stall.fromCycles && start < stall.toCycles)
        start = stall.toCycles;
    }
    this.current = core;
    this.cursorCycles = start;
    try {
      work();
    } finally {
      this.current = null;
    }
    this.busyUntilCycles[core.id] = this.cursorCycles;
    this.trace?.slice(core.id, start, this.cursorCycles - start, "continuation", "{}");
  }

  /** A core's own clock: its handler's cursor while it runs, else now or when it is next free. */
  private timeOf(coreId: number): number {
    if (this.current?.id === coreId) return this.cursorCycles;
    return Math.max(this.nowCycles, this.busyUntilCycles[coreId]!);
  }

  /** Charges `cycles` of nominal work to `core`'s running handler. */
  private charge(core: CoreState, cycles: number): void {
    let scaled = cycles / core.speed;
    for (const slow of this.faults.slow) {
      if (
        slow.core === core.id &&
        this.cursorCycles >= slow.fromCycles &&
        this.cursorCycles < slow.toCycles
      ) {
        scaled *= slow.factor;
      }
    }
    if (this.jitterFraction > 0) scaled *= 1 + this.jitterFraction * (2 * this.prng.next() - 1);
    this.cursorCycles += scaled;
  }

  private makeEnv(coreId: number): SimCoreEnv {
    const sim = this;
    const clockGHz = this.machine.clockGHz;
    // The core's state exists once addCore has the logic; resolve it once, on first use.
    let self: CoreState | undefined;
    const me = (): CoreState => {
      self ??= sim.cores.get(coreId)!;
      return self;
    };
    return {
      coreId,
      get coreIds(): readonly number[] {
        return sim.started ? sim.coreIds : [...sim.cores.keys()].sort((a, b) => a - b);
      },
      nowNs: () => sim.timeOf(coreId) / clockGHz,
      nowCycles: () => sim.timeOf(coreId),
      random: () => me().random.next(),
      portTo: (to: number) => sim.portTo(me(), to),
      broadcastPort: () => sim.broadcastPort(coreId),
      setTimer: (delayNs: number, onFire: () => void): TimerHandle => {
        if (!(delayNs >= 0 && Number.isFinite(delayNs)))
          throw new RangeError(`setTimer: delayNs must be >= 0, got ${delayNs}`);
        const core = me();
        const timer: Timer = { kind: itemTimer, core, onFire, cancelled: false };
        const base = sim.timeOf(coreId);
        sim.schedule(base + delayNs * clockGHz, evTimer, timer);
        return {
          cancel: () => {
            timer.cancelled = true;
          },
        };
      },
      log: (line: string) => {
        const at = sim.timeOf(coreId);
        sim.options.log?.(`[core ${coreId} @ ${(at / clockGHz / 1000).toFixed(3)} µs] ${line}`);
      },
      allocateChannelId: () => sim.allocateChannelId(coreId),
      openChannel: (channelId: number, side: 0 | 1, peerCore: number, receive: ChannelReceive) =>
        sim.openChannel(coreId, channelId, side, peerCore, receive),
      chargeCycles: (cycles: number) => {
        if (!(cycles >= 0 && Number.isFinite(cycles)))
          throw new RangeError(`chargeCycles: expected cycles >= 0, got ${cycles}`);
        const core = me();
        if (sim.current === core) sim.charge(core, cycles);
        else if (sim.current === null) sim.asContinuation(core, () => sim.charge(core, cycles));
        else
          throw new Error(
            `chargeCycles: core ${coreId}'s env used while core ${sim.current.id}'s handler runs`,
          );
      },
    };
  }

  // ---- Channels ------------------------------------------------------------------------------

  private newStream(name: string, channel: Channel, reader: CoreState): Stream {
    return this.indexStream(new Stream(name, channel, reader));
  }

  /** Gives a stream its slot in the per-stream arrays. */
  private indexStream<S extends Stream>(stream: S): S {
    stream.index = this.streamCount++;
    if (stream.index === this.lastArrivalCycles.length) {
      const grown = new Float64Array(this.lastArrivalCycles.length * 2);
      grown.set(this.lastArrivalCycles);
      this.lastArrivalCycles = grown;
    }
    return stream;
  }

  private newChannel(name: string, sender: CoreState, readers: CoreState[], broadcast: boolean): Channel {
    const channel = this.indexStream(
      new Channel(this, name, sender, broadcast, broadcast ? sender : readers[0]!),
    );
    sender.channels.push(channel);
    if (broadcast) {
      for (const reader of readers)
        channel.streams.push(this.newStream(`${name}->${reader.id}`, channel, reader));
    } else channel.streams.push(channel);
    channel.first = channel.streams[0] ?? null;
    return channel;
  }

  private portTo(sender: CoreState, to: number): Port {
    const from = sender.id;
    let channel = sender.ports[to];
    if (channel === undefined) {
      const reader = this.cores.get(to);
      if (reader === undefined) throw new RangeError(`portTo: core ${to} is not part of this simulation`);
      if (to === from) throw new RangeError(`portTo: core ${from} has no channel to itself`);
      channel = this.newChannel(`monitor ${from}->${to}`, sender, [reader], false);
      sender.ports[to] = channel;
    }
    return channel;
  }

  private broadcastPort(from: number): Port {
    const sender = this.cores.get(from)!;
    if (sender.broadcastChannel === null) {
      if (!this.started)
        throw new Error("broadcastPort: ask for it once the simulation runs (in start() or later)");
      const readers = this.coreIds.filter((id) => id !== from).map((id) => this.cores.get(id)!);
      sender.broadcastChannel = this.newChannel(`broadcast ${from}`, sender, readers, true);
    }
    return sender.broadcastChannel;
  }

  private allocateChannelId(coreId: number): number {
    const core = this.cores.get(coreId)!;
    if (core.channelIdsAllocated >= simChannelsPerCoreMax) {
      throw new Error(
        `allocateChannelId: core ${coreId} has used its ${simChannelsPerCoreMax} channels (simChannelsPerCoreMax)`,
      );
    }
    core.channelIdsAllocated++;
    return this.nextChannelId++;
  }

  /** Opens one end of a dispatcher channel: a sending channel to the peer and a receiving end here. */
  private openChannel(
    coreId: number,
    channelId: number,
    side: 0 | 1,
    peerCore: number,
    receive: ChannelReceive,
  ): ChannelEnd {
    if (!Number.isInteger(channelId) || channelId < 1 || channelId >= this.nextChannelId) {
      throw new RangeError(`openChannel: channel ${channelId} was never allocated`);
    }
    if (side !== 0 && side !== 1)
      throw new RangeError(`openChannel: side must be 0 or 1, got ${String(side)}`);
    // A channel between two dispatchers of the same core is allowed (Barrelfish's LMP): its
    // messages cost the same-core path class, no cache-line transfer.
    const peer = this.cores.get(peerCore);
    if (peer === undefined)
      throw new RangeError(`openChannel: core ${peerCore} is not a core of this machine`);
    let record = this.dispatcherChannels.get(channelId);
    if (record === undefined) {
      const fresh = (): DispatcherEnd => ({ receive: null, closed: false, early: [] });
      record = { ends: [fresh(), fresh()], cores: [-1, -1] };
      this.dispatcherChannels.set(channelId, record);
    }
    if (record.cores[side] !== -1)
      throw new Error(`openChannel: side ${side} of channel ${channelId} is already open`);
    const other = side === 0 ? 1 : 0;
    if (record.cores[other] !== -1 && record.cores[other] !== peerCore) {
      throw new Error(
        `openChannel: channel ${channelId}'s side ${other} is on core ${record.cores[other]}, not ${peerCore}`,
      );
    }
    record.cores[side] = coreId;
    const mine = record.ends[side];
    mine.receive = receive;
    const channel = this.newChannel(
      `channel ${channelId} ${coreId}->${peerCore}`,
      this.cores.get(coreId)!,
      [peer],
      false,
    );
    channel.streams[0]!.end = record.ends[other];
    for (const item of mine.early) this.enqueue(this.cores.get(coreId)!, item);
    mine.early.length = 0;
    const port: Port = channel;
    return {
      name: port.name,
      send: (type: number, bytes: Uint8Array, length: number) => {
        if (mine.closed) throw new Error(`${channel.name}: send on a closed channel end`);
        port.send(type, bytes, length);
      },
      close: () => {
        mine.closed = true;
      },
    };
  }

  /** A send on `channel` (called by Channel.send; internal). */
  sendOn(channel: Channel, type: number, bytes: Uint8Array, length: number): void {
    const sender = channel.sender;
    if (this.current !== sender) {
      if (this.current !== null) {
        throw new Error(
          `${channel.name}: core ${sender.id}'s port used while core ${this.current.id}'s handler runs`,
        );
      }
      this.asContinuation(sender, () => this.sendOn(channel, type, bytes, length));
      return;
    }
    if (!Number.isInteger(type) || type < 0 || type >= messageTypesMax) {
      throw new RangeError(`${channel.name}: message type ${type} is outside [0, ${messageTypesMax})`);
    }
    if (!Number.isInteger(length) || length < 0 || length > bytes.length || length > messageBytesMax) {
      throw new RangeError(
        `${channel.name}: length ${length} is outside [0, min(${bytes.length}, ${messageBytesMax})]`,
      );
    }
    if (sender.crashed) return;
    this.charge(sender, this.costs.sendCycles);
    const message = this.newMessage(channel.first!, length);
    message.id = this.nextMessageId++;
    message.from = sender.id;
    message.type = type;
    message.slots = Math.max(1, Math.ceil(length / slotPayloadBytes));
    copyBytes(message.bytes, bytes, length);
    this.trace?.flowOut(sender.id, this.cursorCycles, message.id);
    if (this.checker !== null) for (const s of channel.streams) this.checker.sent(s.name, message.id);
    if (
      (channel.waiting === null || channel.waiting.length === 0) &&
      this.hasCredit(channel, message.slots)
    ) {
      this.write(channel, message, this.cursorCycles);
      return;
    }
    channel.waiting ??= new Fifo<Message>();
    if (channel.waiting.length >= simSendQueueMessagesMax) {
      throw new Error(
        `${channel.name}: ${simSendQueueMessagesMax} messages queued waiting for credit (simSendQueueMessagesMax); ` +
          "the receiver is not consuming",
      );
    }
    channel.waiting.push(message);
    this.needCredit(channel, this.cursorCycles);
  }

  private hasCredit(channel: Channel, slots: number): boolean {
    return channel.sentSlots + slots - channel.ackedSlots <= slotsPerRing;
  }

  private leastPublished(channel: Channel): number {
    let least = Number.POSITIVE_INFINITY;
    for (const s of channel.streams)
      if (!s.reader.crashed && s.publishedSlots < least) least = s.publishedSlots;
    return least === Number.POSITIVE_INFINITY ? channel.sentSlots : least;
  }

  /** The sender is out of credit: it reads the ack line if there is news, else waits for news. */
  private needCredit(channel: Channel, atCycles: number): void {
    if (channel.creditPending) return;
    if (this.leastPublished(channel) > channel.ackedSlots) {
      let arrival = atCycles;
      for (const s of channel.streams) {
        if (!s.reader.crashed)
          arrival = Math.max(arrival, this.costs.serveRead(s.reader.id, channel.sender.id, atCycles));
      }
      channel.creditPending = true;
      channel.awaitingAck = false;
      this.schedule(arrival, evCredit, channel);
    } else channel.awaitingAck = true;
  }

  private credit(channel: Channel): void {
    channel.creditPending = false;
    channel.ackedSlots = Math.max(channel.ackedSlots, this.leastPublished(channel));
    if (channel.sender.crashed) return;
    const waiting = channel.waiting;
    if (waiting === null) return;
    for (let message = waiting.peek(); message !== undefined; message = waiting.peek()) {
      if (!this.hasCredit(channel, message.slots)) break;
      waiting.shift();
      this.write(channel, message, this.nowCycles);
    }
    if (waiting.length > 0) this.needCredit(channel, this.nowCycles);
  }

  /** Writes a message's slots at `atCycles` and schedules its arrival at every reader. */
  private write(channel: Channel, message: Message, atCycles: number): void {
    channel.sentSlots += message.slots;
    if (!channel.broadcast) {
      this.writeStream(channel.first!, message, atCycles);
      return;
    }
    // A broadcast line is served to its readers one at a time, in an order the seed decides.
    const length = message.bytes.length;
    for (const stream of this.prng.shuffle([...channel.streams])) {
      const copy = this.newMessage(stream, length);
      copy.id = message.id;
      copy.from = message.from;
      copy.type = message.type;
      copy.slots = message.slots;
      copyBytes(copy.bytes, message.bytes, length);
      this.writeStream(stream, copy, atCycles);
    }
    this.freeMessage(message);
  }

  /** A message of `length` bytes from the pool (its other fields are the caller's to set). */
  private newMessage(stream: Stream, length: number): Message {
    const message = this.messagePools[length]?.pop();
    if (message === undefined) return new Message(stream, length);
    message.stream = stream;
    return message;
  }

  /** Returns a delivered or dropped message to its pool; nothing may refer to it after. */
  private freeMessage(message: Message): void {
    const length = message.bytes.length;
    const pool = this.messagePools[length];
    if (pool === undefined) this.messagePools[length] = [message];
    else pool.push(message);
  }

  /** Serves a written message's lines to one reader and schedules its arrival. */
  private writeStream(stream: Stream, message: Message, atCycles: number): void {
    const sender = stream.channel.sender.id;
    const reader = stream.reader.id;
    let arrival = atCycles;
    for (let line = 0; line < message.slots; line++) arrival = this.costs.serveRead(sender, reader, atCycles);
    for (const delay of this.faults.delays) {
      if (
        (delay.fromCore === undefined || delay.fromCore === sender) &&
        (delay.toCore === undefined || delay.toCore === reader) &&
        this.prng.next() < delay.probability
      ) {
        arrival += delay.extraCycles;
      }
    }
    // Per-stream FIFO: never before the previous message; at the same time, the same tie-break
    // (so the sequence number, which grows, orders the two).
    let tie: number;
    const last = this.lastArrivalCycles[stream.index]!;
    if (arrival <= last) {
      arrival = last;
      tie = stream.lastTie;
    } else tie = this.prng.nextUint32() >>> 12;
    this.lastArrivalCycles[stream.index] = arrival;
    stream.lastTie = tie;
    this.queue.push(arrival, tie, evArrive, message);
  }

  /** A message arrives at its reader (or is dropped there, if the reader crashed). */
  private arrive(message: Message): void {
    const stream = message.stream;
    if (stream.reader.crashed || stream.end?.closed === true) {
      this.dropped++;
      const reason = stream.reader.crashed ? `core ${stream.reader.id} crashed` : "channel end closed";
      this.checker?.dropped(stream.name, message.id, reason);
      this.freeMessage(message);
      return;
    }
    stream.queued++;
    if (stream.end !== null && stream.end.receive === null) {
      stream.end.early.push(message);
      return;
    }
    this.enqueue(stream.reader, message);
  }

  /**
   * The reader takes a message from its ring. Like the real ring (urpc/ring.ts) it publishes its
   * consumed count every ackEverySlots slots and whenever the ring runs dry; publishing is a store
   * and costs the reader nothing here. The sender reads the count only when it runs out of credit.
   */
  private consume(stream: Stream, message: Message, atCycles: number): void {
    this.checker?.delivered(stream.name, message.id);
    stream.consumedSlots += message.slots;
    stream.queued--;
    if (stream.consumedSlots - stream.publishedSlots >= ackEverySlots || stream.queued === 0) {
      stream.publishedSlots = stream.consumedSlots;
      const channel = stream.channel;
      if (channel.awaitingAck) this.needCredit(channel, atCycles);
    }
  }
}
