// The simulator's channel model: URPC rings, their credit and acks, line transfers, and the pool
// of messages in flight.
//
// Channels are modelled as URPC is built (cost-model.ts gives the numbers): a send writes
// ceil(length / slotPayloadBytes) slots when the ring has credit — the ring holds slotsPerRing
// slots; the reader publishes its consumed count every ackEverySlots slots, and the sender reads
// that ack line (one transfer) only when it runs out of credit, queueing messages meanwhile (its
// send queue, `waiting`). Each written line is then served to its reader by the sender's cache,
// one transfer at a time (serveRead), and the message arrives with its last line. A broadcast port
// is one ring with many readers: every line is served to each of them in turn, in a seeded order,
// and each reader's miss is also ordered at the slot line's home (broadcast-lines.ts): readers of
// one line wait for each other there, which readers of separate lines do not.
// Per-stream FIFO holds whatever the jitter and faults: a message arrives no earlier than the one
// before it on the same stream, and one at the same time reuses the previous one's tie-break, so
// the event queue's sequence number keeps them in send order (see event-queue.ts).
//
// The model schedules two kinds of event, a message's arrival (evArrive) and the end of a credit
// read (evCredit); the engine (engine.ts) hands them back to `arrive` (its own) and `credit`.
// Every seeded draw is made in the same order as the run goes, so one seed gives one run.
//
// The send queue's bound. The queue holds exactly what the real platform's port backlog holds
// (ring-port.ts): messages sent while the ring had no credit the sender knew of, behind which every
// later send waits, FIFO; the ring's own slotsPerRing slots are not counted in either. So a
// dispatcher channel refuses a send past the real bound, limits.portBacklogMax messages waiting (a
// PortFullError, as the real port throws), and a program the real cores refuse is refused here too.
// It is as strict or slightly stricter than the real ring: a synchronous burst fills both alike
// (neither reads a newer ack in the middle of a handler), and between handlers the real sender
// re-reads the ack word at once where this one pays a transfer for it. Monitor and broadcast
// channels, which only the system's own protocols use, keep the looser simSendQueueMessagesMax.
// A dispatcher channel is also its port's PortDrain (core-env.ts): a queued message has left the
// wait once `credit` writes it into the ring, and the channel counts the messages it ever queued.

import type { ChannelSide } from "../../cpu-driver/channel-table.js";
import type { ChannelReceive, Port, PortDrain, TimerHandle } from "../../cpu-driver/core-env.js";
import { DrainWaiters } from "../../cpu-driver/drain-waiters.js";
import { PortFullError } from "../../cpu-driver/port-full-error.js";
import {
  ackEverySlots,
  portBacklogMax,
  simSendQueueMessagesMax,
  slotPayloadBytes,
  slotsPerRing,
} from "../../limits.js";
import type { BroadcastLines } from "./broadcast-lines.js";
import { type CoreState, evArrive, evCredit, itemMessage } from "./core-state.js";
import type { CostModel } from "./cost-model.js";
import type { EventQueue } from "./event-queue.js";
import type { FaultPlan } from "./faults.js";
import { Fifo } from "./fifo.js";
import type { Prng } from "./prng.js";

/** Copies `length` bytes of `from` into `to` (a loop: most messages are a few lines). */
function copyBytes(to: Uint8Array, from: Uint8Array, length: number): void {
  if (length > 256) to.set(from.subarray(0, length));
  else for (let i = 0; i < length; i++) to[i] = from[i]!;
}

/**
 * A message in flight. Messages are recycled (ChannelModel.freeMessage) once delivered or dropped,
 * in pools by length, so that a send allocates nothing: `bytes` is exactly `length` long and is
 * handed to the receiver, which may use it only during the call (core-env.ts).
 */
export class Message {
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

/** The receiving side of a dispatcher channel (openChannel); messages wait until it opens. */
export interface DispatcherInbox {
  receive: ChannelReceive | null;
  readonly early: Message[];
}

/** A dispatcher channel's side as the channel table keeps it (sim-ports.ts). */
export type DispatcherEnd = ChannelSide<DispatcherInbox>;

/**
 * One sender-to-reader direction of a channel, and the FIFO of its messages written and not yet
 * arrived (one object, for the same reason as Channel below).
 */
export class Stream {
  /** Null for monitor and broadcast channels (delivered to the logic's receive). */
  end: DispatcherEnd | null = null;
  /** Index into the model's per-stream arrays (a double in an object field is boxed). */
  index = 0;
  /** The tie-break drawn for the last arrival; an arrival at the same time reuses it (FIFO). */
  lastTie = 0;
  /** Messages arrived at the reader and not yet consumed (so the ring is dry when 0). */
  queued = 0;
  consumedSlots = 0;
  publishedSlots = 0;
  /** Cycles each line's transfer adds for where the channel's memory lives (channel-placement.ts). */
  detourCycles = 0;

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

/** Who carries out a send on a channel's port (the engine: it charges the sending core). */
export interface ChannelSender {
  sendOn(channel: Channel, type: number, bytes: Uint8Array, length: number): void;
}

/**
 * One channel: a sender, its readers' streams, its credit. It is also the sender's Port (one
 * object per channel keeps the simulator's memory per channel small, which is what bounds its
 * speed on machines of hundreds of cores).
 */
export class Channel extends Stream implements Port, PortDrain {
  readonly streams: Stream[] = [];
  /** streams[0], the only stream of a monitor or dispatcher channel (one load fewer per send). */
  first: Stream | null = null;
  sentSlots = 0;
  /** The sender's view of the readers' acks (the least of them). */
  ackedSlots = 0;
  /** Messages waiting for credit, made when first needed. */
  waiting: Fifo<Message> | null = null;
  /** Messages ever put in `waiting` (those that left it are this less those still in it). */
  waitingEnteredTotal = 0;
  /** Who waits for `waiting` to empty up to a mark (PortDrain); made by the first whenDrained. */
  drainWaiters: DrainWaiters | null = null;
  awaitingAck = false;
  creditPending = false;
  /** A broadcast ring's slots as coherence lines (broadcast-lines.ts), by slot; null otherwise. */
  slotLines: Int32Array | null = null;

  /** A unicast channel is its own single stream (one object); a broadcast's streams are separate. */
  constructor(
    private readonly sim: ChannelSender,
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

  /** Messages in the send queue, not yet written into the ring (PortDrain). */
  messagesWaiting(): number {
    return this.waiting === null ? 0 : this.waiting.length;
  }

  /** Calls `onDrained` once the messages queued now are in the ring (PortDrain; ChannelModel.credit). */
  whenDrained(onDrained: () => void): TimerHandle {
    this.drainWaiters ??= new DrainWaiters();
    return this.drainWaiters.wait(this.messagesWaiting(), this.waitingEnteredTotal, onDrained);
  }
}

/** What the model needs of the engine. */
export interface ChannelModelParts {
  readonly costs: CostModel;
  /** The run's generator, shared with the engine (draws interleave in run order). */
  readonly prng: Prng;
  readonly delays: FaultPlan["delays"];
  readonly queue: EventQueue;
  /** Schedules an event with a drawn tie-break (the engine's). */
  readonly schedule: (timeCycles: number, kind: number, target: unknown) => void;
  readonly sender: ChannelSender;
  /** Cycles a stream's lines add for their home (channel-placement.ts); 0 at the sender. */
  readonly detourCycles: (sender: number, reader: number) => number;
  /** The broadcast rings' slot lines, ordered at their home (broadcast-lines.ts). */
  readonly broadcastLines: BroadcastLines;
}

export class ChannelModel {
  private streamCount = 0;
  /** Free messages by length (see Message). */
  private readonly messagePools: Message[][] = [];
  /** Per stream (by Stream.index): the arrival time of its last message. */
  private lastArrivalCycles = new Float64Array(1024);

  constructor(private readonly parts: ChannelModelParts) {}

  // ---- Channels and messages -----------------------------------------------------------------

  /** A channel from `sender` to `readers` (one reader unless `broadcast`); the sender keeps it. */
  newChannel(name: string, sender: CoreState, readers: CoreState[], broadcast: boolean): Channel {
    const channel = this.indexStream(
      new Channel(this.parts.sender, name, sender, broadcast, broadcast ? sender : readers[0]!),
    );
    sender.channels.push(channel);
    if (broadcast) {
      channel.slotLines = this.parts.broadcastLines.ringLines(sender.id);
      for (const reader of readers) {
        const stream = this.indexStream(new Stream(`${name}->${reader.id}`, channel, reader));
        stream.detourCycles = this.parts.detourCycles(sender.id, reader.id);
        channel.streams.push(stream);
      }
    } else {
      channel.detourCycles = this.parts.detourCycles(sender.id, channel.reader.id);
      channel.streams.push(channel);
    }
    channel.first = channel.streams[0] ?? null;
    return channel;
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

  /** A message from the pool for `stream`, holding a copy of `bytes[0, length)`. */
  newMessage(
    stream: Stream,
    id: number,
    from: number,
    type: number,
    bytes: Uint8Array,
    length: number,
  ): Message {
    let message = this.messagePools[length]?.pop();
    if (message === undefined) message = new Message(stream, length);
    else message.stream = stream;
    message.id = id;
    message.from = from;
    message.type = type;
    message.slots = Math.max(1, Math.ceil(length / slotPayloadBytes));
    copyBytes(message.bytes, bytes, length);
    return message;
  }

  /** Returns a delivered or dropped message to its pool; nothing may refer to it after. */
  freeMessage(message: Message): void {
    const length = message.bytes.length;
    const pool = this.messagePools[length];
    if (pool === undefined) this.messagePools[length] = [message];
    else pool.push(message);
  }

  // ---- Credit --------------------------------------------------------------------------------

  /** Writes `message` at `atCycles` if nothing waits and the ring has credit, else queues it. */
  post(channel: Channel, message: Message, atCycles: number): void {
    if (
      (channel.waiting === null || channel.waiting.length === 0) &&
      this.hasCredit(channel, message.slots)
    ) {
      this.write(channel, message, atCycles);
      return;
    }
    channel.waiting ??= new Fifo<Message>();
    // A dispatcher channel (its stream has an end) is bounded as the real port is (file comment).
    if (channel.end !== null) {
      if (channel.waiting.length >= portBacklogMax)
        throw new PortFullError(channel.name, portBacklogMax, "portBacklogMax");
    } else if (channel.waiting.length >= simSendQueueMessagesMax)
      throw new PortFullError(channel.name, simSendQueueMessagesMax, "simSendQueueMessagesMax");
    channel.waiting.push(message);
    channel.waitingEnteredTotal++;
    this.needCredit(channel, atCycles);
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
          arrival = Math.max(arrival, this.parts.costs.serveRead(s.reader.id, channel.sender.id, atCycles));
      }
      channel.creditPending = true;
      channel.awaitingAck = false;
      this.parts.schedule(arrival, evCredit, channel);
    } else channel.awaitingAck = true;
  }

  /** The sender's read of the ack line completes at `nowCycles` (an evCredit event). */
  credit(channel: Channel, nowCycles: number): void {
    channel.creditPending = false;
    channel.ackedSlots = Math.max(channel.ackedSlots, this.leastPublished(channel));
    if (channel.sender.crashed) return;
    const waiting = channel.waiting;
    if (waiting === null) return;
    for (let message = waiting.peek(); message !== undefined; message = waiting.peek()) {
      if (!this.hasCredit(channel, message.slots)) break;
      waiting.shift();
      this.write(channel, message, nowCycles);
    }
    const drains = channel.drainWaiters;
    if (drains !== null && drains.size > 0) drains.passed(channel.waitingEnteredTotal - waiting.length);
    if (waiting.length > 0) this.needCredit(channel, nowCycles);
  }

  /**
   * The reader takes a message from its ring. Like the real ring (urpc/ring.ts) it publishes its
   * consumed count every ackEverySlots slots and whenever the ring runs dry; publishing is a store
   * and costs the reader nothing here. The sender reads the count only when it runs out of credit.
   */
  consume(stream: Stream, message: Message, atCycles: number): void {
    stream.consumedSlots += message.slots;
    stream.queued--;
    if (stream.consumedSlots - stream.publishedSlots >= ackEverySlots || stream.queued === 0) {
      stream.publishedSlots = stream.consumedSlots;
      const channel = stream.channel;
      if (channel.awaitingAck) this.needCredit(channel, atCycles);
    }
  }

  // ---- Line transfers ------------------------------------------------------------------------

  /** Writes a message's slots at `atCycles` and schedules its arrival at every reader. */
  private write(channel: Channel, message: Message, atCycles: number): void {
    const firstSlot = channel.sentSlots;
    channel.sentSlots += message.slots;
    if (!channel.broadcast) {
      this.writeStream(channel.first!, message, atCycles, -1);
      return;
    }
    const lines = this.parts.broadcastLines;
    for (let slot = firstSlot; slot < channel.sentSlots; slot++)
      lines.written(channel.sender.id, channel.slotLines![slot % slotsPerRing]!);
    // A broadcast line is served to its readers one at a time, in an order the seed decides.
    const length = message.bytes.length;
    for (const stream of this.parts.prng.shuffle([...channel.streams])) {
      const copy = this.newMessage(stream, message.id, message.from, message.type, message.bytes, length);
      this.writeStream(stream, copy, atCycles, firstSlot);
    }
    this.freeMessage(message);
  }

  /**
   * Serves a written message's lines to one reader and schedules its arrival. `firstSlot` is the
   * ring position of a broadcast message's first line (its lines are ordered at their home), −1
   * for a unicast channel's message.
   */
  private writeStream(stream: Stream, message: Message, atCycles: number, firstSlot: number): void {
    const sender = stream.channel.sender.id;
    const reader = stream.reader.id;
    let arrival = atCycles;
    if (firstSlot < 0) {
      for (let line = 0; line < message.slots; line++)
        arrival = this.parts.costs.serveRead(sender, reader, atCycles);
      arrival += stream.detourCycles;
    } else {
      const slotLines = stream.channel.slotLines!;
      for (let slot = firstSlot; slot < firstSlot + message.slots; slot++) {
        const line = slotLines[slot % slotsPerRing]!;
        const lineArrival = this.parts.broadcastLines.read(
          sender,
          reader,
          line,
          atCycles,
          stream.detourCycles,
        );
        arrival = Math.max(arrival, lineArrival);
      }
    }
    for (const delay of this.parts.delays) {
      if (
        (delay.fromCore === undefined || delay.fromCore === sender) &&
        (delay.toCore === undefined || delay.toCore === reader) &&
        this.parts.prng.next() < delay.probability
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
    } else tie = this.parts.prng.nextUint32() >>> 12;
    this.lastArrivalCycles[stream.index] = arrival;
    stream.lastTie = tie;
    this.parts.queue.push(arrival, tie, evArrive, message);
  }
}
