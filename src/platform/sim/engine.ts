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
// This file is the event loop and its run control: adding cores, running, dispatching events,
// crash-stop, running handlers and charging them. What a send costs and when a message arrives is
// the channel model's (channel-model.ts); which channels a core has, SimPorts' (sim-ports.ts); the
// environment each core's logic is given, sim-core-env.ts; a core's state, core-state.ts.
//
// The simulator never reads the host clock; callers that want host speed measure it (src/bench/).

import { writeFileSync } from "node:fs";
import type { CoreLogic } from "../../cpu-driver/core-env.js";
import {
  messageBytesMax,
  messageTypesMax,
  simEventsPerRunMax,
  simHandlerJitterFraction,
} from "../../limits.js";
import { BroadcastLines } from "./broadcast-lines.js";
import { type Channel, ChannelModel, type Message } from "./channel-model.js";
import { type ChannelHome, homeDetourCycles } from "./channel-placement.js";
import { ChannelChecker } from "./checkers.js";
import { CoherenceModel } from "./coherence.js";
import {
  type CoreState,
  evArrive,
  evCrash,
  evCredit,
  evStart,
  evTimer,
  evWake,
  type InboxItem,
  itemInterrupt,
  itemMessage,
  itemTimer,
  startItem,
  type Timer,
} from "./core-state.js";
import { CostModel } from "./cost-model.js";
import { EventQueue } from "./event-queue.js";
import { type Fault, type FaultPlan, planFaults } from "./faults.js";
import { Fifo } from "./fifo.js";
import { InterruptCosts } from "./interrupts.js";
import type { Machine } from "./machine.js";
import { Prng } from "./prng.js";
import { makeSimCoreEnv, type SimCoreEnv, type SimCoreHost } from "./sim-core-env.js";
import { SimPorts } from "./sim-ports.js";
import { TraceRecorder } from "./trace.js";

export type { SimCoreEnv } from "./sim-core-env.js";

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
  /**
   * Called with a core's id as its handler (or continuation) starts, and with -1 as it ends: what
   * a watchdog on another thread needs to name the core of a handler that never returns.
   */
  readonly onHandler?: (core: number) => void;
  /** Where each channel's memory lives (channel-placement.ts); default: at its sender. */
  readonly channelHome?: ChannelHome;
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

export class Simulation {
  readonly costs: CostModel;
  /** What an inter-processor interrupt costs (interrupts.ts). */
  readonly interrupts: InterruptCosts;
  private readonly prng: Prng;
  private readonly faults: FaultPlan;
  private readonly jitterFraction: number;
  private readonly queue = new EventQueue();
  private readonly cores = new Map<number, CoreState>();
  private coreIds: number[] = [];
  private readonly trace: TraceRecorder | null;
  readonly checker: ChannelChecker | null;
  private readonly model: ChannelModel;
  private readonly ports: SimPorts;
  private readonly host: SimCoreHost;
  private started = false;
  private nowCycles = 0;
  private nextMessageId = 1;
  private current: CoreState | null = null;
  private cursorCycles = 0;
  private deliveries = 0;
  private dropped = 0;
  /** Per core (by id): when its running handler ends. */
  private readonly busyUntilCycles: Float64Array;
  /** Per core (by id): when its APIC has delivered the last interrupt it sent (interrupts.ts). */
  private readonly icrFreeCycles: Float64Array;

  constructor(
    readonly machine: Machine,
    private readonly options: SimulationOptions,
  ) {
    if (!Number.isFinite(options.seed))
      throw new RangeError(`Simulation: seed must be a finite number, got ${options.seed}`);
    this.costs = new CostModel(machine);
    this.interrupts = new InterruptCosts(this.costs);
    this.busyUntilCycles = new Float64Array(machine.cores.length);
    this.icrFreeCycles = new Float64Array(machine.cores.length);
    this.prng = new Prng(options.seed);
    this.faults = planFaults(options.faults ?? [], machine.cores.length);
    this.jitterFraction = options.jitterFraction ?? simHandlerJitterFraction;
    if (!(this.jitterFraction >= 0 && this.jitterFraction < 0.5)) {
      throw new RangeError(`Simulation: jitterFraction must be in [0, 0.5), got ${this.jitterFraction}`);
    }
    this.trace = options.trace === true ? new TraceRecorder(machine.name, machine.clockGHz, []) : null;
    this.checker = options.check === false ? null : new ChannelChecker(true);
    this.model = this.makeModel();
    this.ports = this.makePorts();
    this.host = this.makeHost();
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
      env: makeSimCoreEnv(coreId, this.host),
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

  // ---- The parts: channel model, ports, the cores' environments -----------------------------

  private makeModel(): ChannelModel {
    return new ChannelModel({
      costs: this.costs,
      prng: this.prng,
      delays: this.faults.delays,
      queue: this.queue,
      schedule: (timeCycles, kind, target) => this.schedule(timeCycles, kind, target),
      sender: this,
      detourCycles: this.detourCycles(),
      broadcastLines: new BroadcastLines(this.costs, (sender) => this.broadcastHome(sender)),
    });
  }

  /**
   * Where a broadcast ring's memory lives: one home for all its readers, the placement's home for
   * the sender reading its own ring (the sender's package unless a placement says otherwise).
   */
  private broadcastHome(sender: number): number {
    const home = this.options.channelHome;
    return home === undefined ? this.machine.cores[sender]!.packageId : home(sender, sender);
  }

  /** Each stream's detour for its home (channel-placement.ts): none unless a placement is given. */
  private detourCycles(): (sender: number, reader: number) => number {
    const home = this.options.channelHome;
    if (home === undefined) return () => 0;
    const hopCycles = new CoherenceModel(this.machine, this.costs).hopCycles;
    return (sender, reader) =>
      homeDetourCycles(this.machine, hopCycles, sender, reader, home(sender, reader));
  }

  private makePorts(): SimPorts {
    return new SimPorts({
      model: this.model,
      coreOf: (coreId) => this.cores.get(coreId),
      runningCoreIds: () => (this.started ? this.coreIds : null),
      enqueue: (core, item) => this.enqueue(core, item),
    });
  }

  private makeHost(): SimCoreHost {
    return {
      clockGHz: this.machine.clockGHz,
      ports: this.ports,
      log: this.options.log,
      coreIds: () => (this.started ? this.coreIds : [...this.cores.keys()].sort((a, b) => a - b)),
      core: (coreId) => this.cores.get(coreId)!,
      timeOf: (coreId) => this.timeOf(coreId),
      schedule: (timeCycles, kind, target) => this.schedule(timeCycles, kind, target),
      chargeCycles: (core, cycles) => this.chargeFromEnv(core, cycles),
    };
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
        this.model.credit(target as Channel, this.nowCycles);
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

  // ---- Messages ------------------------------------------------------------------------------

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
    const id = this.nextMessageId++;
    const message = this.model.newMessage(channel.first!, id, sender.id, type, bytes, length);
    this.trace?.flowOut(sender.id, this.cursorCycles, message.id);
    if (this.checker !== null) for (const s of channel.streams) this.checker.sent(s.name, message.id);
    this.model.post(channel, message, this.cursorCycles);
  }

  /** A message arrives at its reader (or is dropped there, if the reader crashed). */
  private arrive(message: Message): void {
    const stream = message.stream;
    if (stream.reader.crashed || stream.end?.closed === true) {
      this.dropped++;
      const reason = stream.reader.crashed ? `core ${stream.reader.id} crashed` : "channel end closed";
      this.checker?.dropped(stream.name, message.id, reason);
      this.model.freeMessage(message);
      return;
    }
    stream.queued++;
    if (stream.end !== null && stream.end.state.receive === null) {
      stream.end.state.early.push(message);
      return;
    }
    this.enqueue(stream.reader, message);
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
        this.model.freeMessage(item);
      }
    }
    for (const channel of core.channels) {
      const waiting = channel.waiting;
      if (waiting === null) continue;
      for (let m = waiting.shift(); m !== undefined; m = waiting.shift()) {
        for (const stream of channel.streams)
          this.checker?.dropped(stream.name, m.id, `sender ${core.id} crashed`);
        this.model.freeMessage(m);
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
    this.options.onHandler?.(core.id);
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
        this.checker?.delivered(stream.name, message.id);
        this.model.consume(stream, message, start);
        this.deliveries++;
        if (trace !== null) {
          trace.flowIn(core.id, start, message.id);
          const kind = stream.end === null ? "monitor" : "domain";
          name = trace.messageName(message.type, kind, stream.channel.name);
          args = `{"id":${message.id},"from":${message.from},"bytes":${message.bytes.length}}`;
        }
        if (stream.end === null)
          logic.receive(message.from, message.type, message.bytes, message.bytes.length);
        else if (!stream.end.closed)
          stream.end.state.receive!(message.type, message.bytes, message.bytes.length);
        this.model.freeMessage(message);
      } else if (item.kind === itemTimer) {
        this.charge(core, this.costs.receiveCycles);
        name = "timer";
        args = "{}";
        item.onFire();
      } else if (item.kind === itemInterrupt) {
        this.charge(core, this.interrupts.trapCycles);
        name = "interrupt";
        args = "{}";
        item.onFire();
        this.charge(core, this.interrupts.returnCycles);
      } else {
        name = "start";
        args = "{}";
        logic.start();
      }
    } finally {
      this.current = null;
      this.options.onHandler?.(-1);
    }
    this.busyUntilCycles[core.id] = this.cursorCycles;
    trace?.slice(core.id, start, this.cursorCycles - start, name, args);
  }

  // ---- Cost hooks for code that models hardware beside the channels -------------------------------

  /**
   * Core `from`'s running handler sends an inter-processor interrupt to `to` (interrupts.ts): `from`
   * waits until its APIC has delivered the interrupt it sent before (a wait, unscaled like
   * stallUntil), then pays the send; `to` takes the interrupt deliveryCycles later and runs
   * `handler` between its trap and return costs. A crashed target never runs it.
   */
  sendInterrupt(from: number, to: number, handler: () => void): void {
    const sender = this.runningCore(from, "sendInterrupt");
    const target = this.cores.get(to);
    if (target === undefined) throw new RangeError(`sendInterrupt: core ${to} is not simulated`);
    if (sender.crashed) return;
    if (this.icrFreeCycles[from]! > this.cursorCycles) this.cursorCycles = this.icrFreeCycles[from]!;
    this.charge(sender, this.interrupts.sendCycles);
    const deliveredCycles = this.cursorCycles + this.interrupts.deliveryCycles;
    this.icrFreeCycles[from] = deliveredCycles;
    const item: Timer = { kind: itemInterrupt, core: target, onFire: handler, cancelled: false };
    this.schedule(deliveredCycles, evTimer, item);
  }

  /**
   * Core `core`'s running handler waits until `untilCycles` (for memory: a coherence transaction
   * of coherence.ts). A wait is the memory system's time, so neither the core's speed nor the
   * jitter scales it; a time already past costs nothing.
   */
  stallUntil(core: number, untilCycles: number): void {
    this.runningCore(core, "stallUntil");
    if (untilCycles > this.cursorCycles) this.cursorCycles = untilCycles;
  }

  /** The core whose handler runs, which must be `coreId` (share nothing). */
  private runningCore(coreId: number, what: string): CoreState {
    const core = this.current;
    if (core === null || core.id !== coreId)
      throw new Error(`${what}: core ${coreId} is not the core whose handler runs (${core?.id ?? "none"})`);
    return core;
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
    this.options.onHandler?.(core.id);
    this.cursorCycles = start;
    try {
      work();
    } finally {
      this.current = null;
      this.options.onHandler?.(-1);
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

  /** SimCoreEnv.chargeCycles: in `core`'s running handler, or as its own work when none runs. */
  private chargeFromEnv(core: CoreState, cycles: number): void {
    if (this.current === core) this.charge(core, cycles);
    else if (this.current === null) this.asContinuation(core, () => this.charge(core, cycles));
    else
      throw new Error(
        `chargeCycles: core ${core.id}'s env used while core ${this.current.id}'s handler runs`,
      );
  }
}
