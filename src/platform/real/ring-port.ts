// A port over one URPC ring for the real platform's core. Inside a poll turn every send is written
// and left unpublished, and the port tells its core it is dirty: the turn publishes them together.
// Outside one (a continuation that runs late, a host timer), the port's first send is published at
// once (a lone call or an unmap's update must not wait), and the ones after it wait for the publish
// the core then queues behind the microtasks already queued (RealCore.publishLater), so that a
// burst sent from code several awaits deep costs one store, not one per message. The port holds a
// bounded backlog when the ring is full (drained as credit returns). With --trace it records the
// send end of each message's flow.
//
// A stream of one-way messages overruns the ring quickly (it holds slotsPerRing slots), so the
// backlog is on the hot path: its entries, each with a buffer of one slot's payload, are reused
// from a free list (larger messages get their own copy), and the port tells its core it is dirty
// once per flush, not once per message.
//
// A dispatcher channel's port is closed with its end (`close`): sends are refused from then on, but
// what was sent before still goes out, in order, as the peer makes room — the last of it is often
// the rpc_close that tells the peer to close its side. Once the backlog is in the ring, the port
// stops touching the ring and says so (its `onClosed`), and only then may the frame be released
// for reuse. A peer that never makes room (its end closed, its core failed) would hold the close
// forever: the core bounds it (portCloseDrainMs) and then `abandon`s the rest, counting what it
// dropped.
//
// The backlog is bounded (portBacklogMax): a send that finds it full throws, and a sender paces a
// stream with the port's `drain` (PortDrain, core-env.ts): here a message waits from the send that
// put it in the backlog until a flush moves it into the ring (written, published with that flush).
// The port counts the messages it ever put in the backlog; a waiter's mark is that count when it
// asked, and each flush that moves backlog into the ring tells the waiters how many have left
// (DrainWaiters), so the cost on the send path is one counter increment, and only for a message
// that goes into the backlog.

import type { Port, PortDrain, PortSlot, TimerHandle } from "../../cpu-driver/core-env.js";
import { DrainWaiters } from "../../cpu-driver/drain-waiters.js";
import { PortFullError } from "../../cpu-driver/port-full-error.js";
import { portBacklogMax, slotPayloadBytes } from "../../limits.js";
import type { RingSender } from "../../urpc/index.js";
import { type CoreTrace, nowUs } from "./core-trace.js";

/** What a port needs of its core. */
export interface PortOwner {
  /** Whether the core is inside a poll turn (its sends are published when the turn ends). */
  readonly inTurn: boolean;
  readonly trace: CoreTrace | undefined;
  /** The port has written or queued messages that `flush()` must publish (soon: the core's job). */
  markDirty(port: RingPort): void;
  /**
   * Outside a turn, the port published a send at once: the core queues a publish for the sends
   * that follow and then calls `stretchEnded()` on the port.
   */
  publishLater(port: RingPort): void;
}

/** Backlog entries cut from one slab (4 KiB with 60-byte payloads). */
const backlogSlabEntries = 64;
/** A slot's size: its payload and its header word, so that every entry is word-aligned. */
const backlogEntryStrideBytes = slotPayloadBytes + 4;

/** A message waiting for room in the ring. */
interface Waiting {
  type: number;
  length: number;
  bytes: Uint8Array;
  /** A one-slot entry's slab as words, and where its payload starts there; undefined for a copy. */
  readonly words: Int32Array | undefined;
  readonly wordOffset: number;
}

/** A port over a ring, with a bounded backlog for when the ring is full. */
export class RingPort implements Port, PortSlot, PortDrain {
  /** The ring's memory, for encoding into a reserved slot (PortSlot). */
  readonly bytes: Uint8Array;
  readonly view: DataView;
  /** This port's slots: encoders write one-slot messages in place (see reserve and commit). */
  readonly slot: PortSlot = this;
  /** How many messages wait in the backlog, and who waits for them to leave it (PortDrain). */
  readonly drain: PortDrain = this;
  /** Where the ring's words start in `bytes` (read once: a typed array's byteOffset is not free). */
  private readonly wordsByteOffset: number;
  /** The word index of the slot reserve() returned, for commit(). */
  private reservedWord = -1;
  /** Waiting messages, oldest first from `backlogHead`. */
  private backlog: Waiting[] = [];
  private backlogHead = 0;
  /** Spare backlog entries with one-slot buffers, reused. */
  private readonly spares: Waiting[] = [];
  /** Messages ever put in the backlog: those that left it are this less those still in it. */
  private backlogEnteredTotal = 0;
  /** Who waits for the backlog to empty up to a mark; made by the first whenDrained. */
  private drainWaiters: DrainWaiters | undefined;
  /** Whether the core has been told to flush this port. */
  private dirty = false;
  /** Outside a turn: a send was published at once, and later ones wait for the core's publish. */
  private publishedOutOfTurn = false;
  /** Once closed, the port never touches the ring again. */
  private closed = false;
  /** Closing: sends are refused; the backlog drains, and `onClosed` is called once it is out. */
  private closing = false;
  private onClosed: ((dropped: number) => void) | undefined;

  /** With --trace: the flow's channel key on this core, the peer, and messages sent so far. */
  private traceKey = -1;
  private tracePeer = -1;
  private traceSequence = 0;

  constructor(
    readonly name: string,
    private readonly sender: RingSender,
    private readonly core: PortOwner,
    /** The flow's name, the same on both ends ("mesh 0->1"); traced only when given. */
    flowName?: string,
    peer?: number,
  ) {
    this.bytes = new Uint8Array(sender.words.buffer);
    this.wordsByteOffset = sender.words.byteOffset;
    this.view = new DataView(sender.words.buffer);
    if (core.trace !== undefined && flowName !== undefined) {
      this.traceKey = core.trace.channelKey(flowName);
      this.tracePeer = peer ?? -1;
    }
  }

  send(type: number, bytes: Uint8Array, length: number): void {
    if (this.closed || this.closing) throw new Error(`port "${this.name}": send on a closed channel end`);
    if (this.traceKey >= 0)
      this.core.trace!.send(nowUs(), this.tracePeer, type, this.traceKey, this.traceSequence++);
    if (this.backlogHead === this.backlog.length && this.sender.trySendDeferred(type, bytes, length)) {
      this.written();
      return;
    }
    this.enqueue(type, bytes, length);
  }

  /**
   * Reserves the next slot for an in-place encoding: the byte offset of its payload in `bytes`, or
   * -1 when messages wait in the backlog (they go first), the ring is full, or the port is traced
   * (a traced send goes through `send`).
   */
  reserve(): number {
    if (this.closed || this.closing) return -1;
    if (this.backlogHead !== this.backlog.length || this.traceKey >= 0) return -1;
    const word = this.sender.reserveSlot();
    this.reservedWord = word;
    return word < 0 ? -1 : this.wordsByteOffset + word * 4;
  }

  /** Sends the reserved slot, published as `send` publishes. */
  commit(type: number, length: number): void {
    this.sender.commit(this.reservedWord, type, length, false);
    this.written();
  }

  /** A message was written into the ring: publish it now or with the batch (see the file comment). */
  private written(): void {
    if (this.core.inTurn || this.publishedOutOfTurn) {
      this.markDirty();
      return;
    }
    this.publishedOutOfTurn = true;
    this.sender.flush();
    this.core.publishLater(this);
  }

  /** The core's queued publish ran: the next send outside a turn is published at once again. */
  stretchEnded(): void {
    this.publishedOutOfTurn = false;
  }

  /** Publishes what was written; moves backlog into the ring as room appears. Returns whether all is out. */
  flush(): boolean {
    if (this.closed) return true;
    const backlog = this.backlog;
    while (this.backlogHead < backlog.length) {
      const next = backlog[this.backlogHead]!;
      if (next.words !== undefined) {
        if (!this.sender.trySendDeferredWords(next.type, next.words, next.wordOffset, next.length)) break;
        this.spares.push(next);
      } else if (!this.sender.trySendDeferred(next.type, next.bytes, next.length)) break;
      this.backlogHead++;
    }
    if (this.backlogHead === backlog.length) {
      // (Setting `length` calls into the runtime: only when there is something to drop.)
      if (backlog.length > 0) backlog.length = 0;
      this.backlogHead = 0;
    } else if (this.backlogHead >= portBacklogMax) {
      this.backlog = backlog.slice(this.backlogHead);
      this.backlogHead = 0;
    }
    this.sender.flush();
    const out = this.backlogHead === this.backlog.length;
    this.dirty = !out;
    if (this.drainWaiters !== undefined && this.drainWaiters.size > 0)
      this.drainWaiters.passed(this.backlogEnteredTotal - this.messagesWaiting());
    if (out && this.closing) this.finishClose(0);
    return out;
  }

  /** Messages in the backlog, not yet in the ring (PortDrain). */
  messagesWaiting(): number {
    return this.backlog.length - this.backlogHead;
  }

  /** Calls `onDrained` once the messages in the backlog now have left it for the ring (PortDrain). */
  whenDrained(onDrained: () => void): TimerHandle {
    this.drainWaiters ??= new DrainWaiters();
    return this.drainWaiters.wait(this.messagesWaiting(), this.backlogEnteredTotal, onDrained);
  }

  /**
   * Before its core sleeps with this port's backlog waiting: asks the receiver to ring the core's
   * doorbell on its next acknowledgement, so that returning credit wakes it (else it would sleep a
   * whole slice with messages to send). Returns whether credit is already there (then: no sleep).
   */
  awaitCredit(): boolean {
    if (this.backlogHead === this.backlog.length) return false;
    this.sender.setWaitingForCredit(true);
    return this.canDrain();
  }

  /**
   * Refuses sends from now on and publishes what was written and what of the backlog fits; the
   * rest goes out as the peer makes room (each flush). Once all of it is in the ring, the port stops
   * touching the ring and calls `onClosed(0)` — at once when nothing waits. Its drain's waiters
   * are forgotten, not called. A second close does nothing.
   */
  close(onClosed: (dropped: number) => void): void {
    if (this.closed || this.closing) return;
    this.closing = true;
    this.onClosed = onClosed;
    // Its drain's waiters are forgotten now (PortDrain), though the backlog still goes out.
    this.drainWaiters?.clear();
    // A port with a backlog is on its core's flush list already (it stays there until drained).
    this.flush();
  }

  /** Whether the port is closing and still has messages waiting for room. */
  get draining(): boolean {
    return this.closing;
  }

  /**
   * Closing, the peer made no room in time: drops what still waits and stops, calling
   * `onClosed(dropped)`. Returns how many messages were dropped (0 if the port was not draining).
   */
  abandon(): number {
    if (!this.closing) return 0;
    const dropped = this.backlog.length - this.backlogHead;
    this.finishClose(dropped);
    return dropped;
  }

  private finishClose(dropped: number): void {
    this.closing = false;
    this.closed = true;
    this.backlog = [];
    this.backlogHead = 0;
    this.spares.length = 0;
    this.drainWaiters?.clear();
    const onClosed = this.onClosed!;
    this.onClosed = undefined;
    onClosed(dropped);
  }

  /** Whether the oldest waiting message fits in the ring now. */
  canDrain(): boolean {
    return (
      this.backlogHead < this.backlog.length && this.sender.canSend(this.backlog[this.backlogHead]!.length)
    );
  }

  private markDirty(): void {
    if (this.dirty) return;
    this.dirty = true;
    this.core.markDirty(this);
  }

  /**
   * A backlog entry with a one-slot buffer, cut from a slab of backlogSlabEntries word-aligned
   * buffers: the ring copies it by words from the slab's word view (trySendDeferredWords), with no
   * view made per message.
   */
  private newSpare(): Waiting {
    if (this.slabUsed === backlogSlabEntries) {
      this.slabWords = new Int32Array((backlogSlabEntries * backlogEntryStrideBytes) >>> 2);
      this.slabUsed = 0;
    }
    const offsetBytes = this.slabUsed++ * backlogEntryStrideBytes;
    const bytes = new Uint8Array(this.slabWords.buffer, offsetBytes, slotPayloadBytes);
    return { type: 0, length: 0, bytes, words: this.slabWords, wordOffset: offsetBytes >>> 2 };
  }

  private slabWords = new Int32Array(0);
  private slabUsed = backlogSlabEntries;

  private enqueue(type: number, bytes: Uint8Array, length: number): void {
    // Checked as the ring checks a send: a bad message in the backlog would refuse every flush
    // after it and hold up the good ones behind it.
    this.sender.checkMessage(type, bytes, length);
    if (this.backlog.length - this.backlogHead >= portBacklogMax) {
      throw new PortFullError(this.name, portBacklogMax, "portBacklogMax");
    }
    let entry: Waiting;
    if (length <= slotPayloadBytes) {
      entry = this.spares.pop() ?? this.newSpare();
      entry.type = type;
      entry.length = length;
      for (let i = 0; i < length; i++) entry.bytes[i] = bytes[i]!;
    } else {
      entry = { type, length, bytes: bytes.slice(0, length), words: undefined, wordOffset: 0 };
    }
    this.backlog.push(entry);
    this.backlogEnteredTotal++;
    this.markDirty();
  }
}
