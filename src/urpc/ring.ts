// One direction of a URPC channel: a single-producer/single-consumer ring of cache-line slots.
//
// Sending. The sender writes a message's payload into the next free slots (one fragment of up to
// 60 bytes each) and then its header words. A message is visible to the receiver once the header of
// the first unpublished slot (the batch head) is written with Atomics.store: that store is the
// release of everything the sender wrote before it, so the headers of later slots in the same
// batch are plain stores. `trySend` publishes at once (one sequentially consistent store per
// message: the lowest latency); `trySendDeferred` leaves the batch open until `flush()` or until
// it holds `publishBatchSlotsMax` slots (one sequentially consistent store per batch: the highest
// throughput, as Seastar batches its cross-core queues). A lone message never waits for a batch to
// fill: whoever defers must flush, and the dispatcher loop flushes after every turn.
//
// Flow control. The receiver never clears slots; it publishes how many it has consumed on its own
// ack line, every `ackEverySlots` slots and whenever it finds the ring empty. The sender keeps a
// cached copy of that count and reads the receiver's line only when its cached credit runs out, so
// in steady streaming the sender touches the receiver's memory once per quarter ring
// (docs/urpc.md compares this with receiver-cleared slots). A message is sent only when all its
// slots are free: a full ring makes `trySend` return false, never overwrite.
//
// Fast paths. The slot format's bit operations are written out with SlotFormat's literals rather than
// called from slot-format.ts: in Node 20 an imported function, like an imported constant, is loaded
// from its module cell and checked at every call. A one-slot message from the source buffer used last (word-aligned, checked when it
// was adopted) is validated with a few integer compares and written without the fragmenting
// machinery; a whole one-slot message between messages is received with one mask test on its
// header. Both keep the publication order above: payload, then plain non-head headers, then the
// head's Atomics.store; the receiver's Atomics.load of the head, then everything else.
//
// Receiving. The receiver loads the header of the slot at its read index; the lap tag tells whether
// the slot is new. It copies the payload into its own reassembly buffer (so the slot is free again
// before the handler runs, and a handler can never see a slot being rewritten), and when the last
// fragment arrives, calls the handler with (type, bytes, length). A malformed frame (a length over
// 60 bytes, a fragment out of sequence, a message over the maximum) is consumed, reported as a
// ChannelError, and the messages behind it are delivered as usual: the rest of a bad message's
// fragments are skipped without a second error, and a first fragment that cuts a message short is
// reported and then kept, as the start of the next message.

import { messageBytesMax, UrpcGeometry } from "../limits.js";
import { ChannelError } from "./channel-error.js";
import type { RingOffsets } from "./channel-layout.js";
import type { Doorbell } from "./doorbell.js";
import {
  describeHeader,
  headerIsFirst,
  headerIsLast,
  headerLength,
  headerType,
  makeHeader,
  SlotFormat,
} from "./slot-format.js";

/** Bytes of a reassembly buffer: whole slots' worth, so fragments copy as whole words. */
const reassemblyBytes =
  Math.ceil(messageBytesMax / UrpcGeometry.slotPayloadBytes) * UrpcGeometry.slotPayloadBytes;

/**
 * Called once per complete message; `bytes` is valid only during the call (a one-slot message is
 * a view of its slot in shared memory), and only until the handler polls the same ring again.
 */
export type MessageHandler = (type: number, bytes: Uint8Array, length: number) => void;

/**
 * Copies one slot's 15 payload words, unrolled (about twice as fast as the loop in Node 20). The
 * highest index goes first, so that the bounds checks of the rest can be dropped.
 */
function copyFullSlot(words: Int32Array, base: number, src: Int32Array, srcWord: number): void {
  words[base + 14] = src[srcWord + 14]!;
  words[base] = src[srcWord]!;
  words[base + 1] = src[srcWord + 1]!;
  words[base + 2] = src[srcWord + 2]!;
  words[base + 3] = src[srcWord + 3]!;
  words[base + 4] = src[srcWord + 4]!;
  words[base + 5] = src[srcWord + 5]!;
  words[base + 6] = src[srcWord + 6]!;
  words[base + 7] = src[srcWord + 7]!;
  words[base + 8] = src[srcWord + 8]!;
  words[base + 9] = src[srcWord + 9]!;
  words[base + 10] = src[srcWord + 10]!;
  words[base + 11] = src[srcWord + 11]!;
  words[base + 12] = src[srcWord + 12]!;
  words[base + 13] = src[srcWord + 13]!;
}

/** Number of slots a message of `length` bytes takes. */
export function slotsForLength(length: number): number {
  return length <= UrpcGeometry.slotPayloadBytes ? 1 : Math.ceil(length / UrpcGeometry.slotPayloadBytes);
}

export class RingSender {
  /** The shared memory as words: a reserved slot's payload is written here (`reserveSlot`). */
  readonly words: Int32Array;
  private readonly slotsWord: number;
  private readonly ackWord: number;
  private readonly waitWord: number;
  /** Absolute index of the next slot to write (wraps at 2^32). */
  protected writeIndex = 0;
  /** Absolute index of the first written but unpublished slot; equals writeIndex when none. */
  private batchStart = 0;
  /** The batch head's header, held back until publication. */
  private batchHeadHeader = 0;
  /** The receiver's consumed count, as last read. */
  protected ackedCached = 0;
  /** A word-aligned staging copy, so that payloads of any alignment copy as whole words. */
  private readonly staging = new Int32Array(reassemblyBytes / 4);
  private readonly stagingBytes = new Uint8Array(this.staging.buffer);

  /** @internal Rings are made by UrpcChannel (or a platform), not by users. */
  constructor(
    readonly name: string,
    memory: SharedArrayBuffer,
    offsets: RingOffsets,
    /** The receiver's doorbell: rung after publication if the receiver sleeps. */
    private readonly receiverDoorbell: { ring(): void },
  ) {
    this.words = new Int32Array(memory);
    this.slotsWord = offsets.slotsWord;
    this.ackWord = offsets.ackWord;
    this.waitWord = offsets.waitWord;
  }

  /** Slots free as far as the sender knows without reading the receiver's line. */
  private freeSlotsCached(): number {
    return UrpcGeometry.slotsPerRing - ((this.writeIndex - this.ackedCached) >>> 0);
  }

  /** Slots free now (reads the receiver's ack line). */
  freeSlots(): number {
    this.ackedCached = Atomics.load(this.words, this.ackWord) >>> 0;
    return this.freeSlotsCached();
  }

  /** Whether a message of `length` bytes would fit now. */
  canSend(length: number): boolean {
    const needed = slotsForLength(length);
    return this.freeSlotsCached() >= needed || this.freeSlots() >= needed;
  }

  /**
   * Throws a ChannelError naming what is wrong with a message of `type` whose payload is the first
   * `length` bytes of `bytes`; every send checks this (the fast path by equivalent compares), and a
   * port that queues a message for later checks it before queueing it.
   */
  checkMessage(type: number, bytes: Uint8Array, length: number): void {
    if (!(bytes instanceof Uint8Array)) {
      throw new ChannelError(
        this.name,
        `message of type ${type}: bytes must be a Uint8Array, got ${typeof bytes}`,
      );
    }
    if (!Number.isInteger(type) || type < 0 || type >= UrpcGeometry.messageTypesMax) {
      throw new ChannelError(
        this.name,
        `message type ${type} is not an integer in [0, ${UrpcGeometry.messageTypesMax})`,
      );
    }
    if (!Number.isInteger(length) || length < 0 || length > bytes.length) {
      throw new ChannelError(
        this.name,
        `message of type ${type}: length ${length} is not within its ${bytes.length}-byte buffer`,
      );
    }
    if (length > messageBytesMax) {
      throw new ChannelError(
        this.name,
        `message of type ${type} is ${length} bytes, over the maximum of ${messageBytesMax} (limits.messageBytesMax)`,
      );
    }
  }

  /** Sends and publishes at once. Returns false (and sends nothing) when the ring lacks room. */
  trySend(type: number, bytes: Uint8Array, length: number): boolean {
    if (this.fitsFastPath(type, bytes, length)) {
      this.writeOneSlot(type, length, true);
      return true;
    }
    if (!this.trySendSlow(type, bytes, length)) return false;
    this.flush();
    return true;
  }

  /**
   * Writes a message without publishing it; `flush()` publishes. The batch is published by itself
   * when it reaches publishBatchSlotsMax slots. Returns false when the ring lacks room for all the
   * message's slots; then nothing of it is written, and the open batch is published.
   */
  trySendDeferred(type: number, bytes: Uint8Array, length: number): boolean {
    if (this.fitsFastPath(type, bytes, length)) {
      this.writeOneSlot(type, length, false);
      return true;
    }
    return this.trySendSlow(type, bytes, length);
  }

  /**
   * As `trySendDeferred`, for a one-slot message already checked (`checkMessage`) whose payload is
   * `length` bytes at word `wordOffset` of `source`: a port's backlog drains its entries this way,
   * with no source buffer to adopt per message. Returns false, after publishing the open batch,
   * when the ring has no free slot.
   */
  trySendDeferredWords(type: number, source: Int32Array, wordOffset: number, length: number): boolean {
    if ((this.writeIndex - this.ackedCached) >>> 0 >= UrpcGeometry.slotsPerRing && this.freeSlots() === 0) {
      this.flush();
      return false;
    }
    this.writeOneSlotFrom(source, wordOffset, type, length, false);
    return true;
  }

  /**
   * Whether a send can take the fast path: a one-slot message from the last (word-aligned) source
   * buffer, with a valid type and length, and room by the cached credit. Every check of `checkMessage()`
   * holds when this is true (the source was checked to be a Uint8Array when it was adopted), so the
   * fast path validates as strictly as the slow one, in a handful of integer compares.
   */
  private fitsFastPath(type: number, bytes: Uint8Array, length: number): boolean {
    return (
      bytes === this.lastSource &&
      this.lastSourceAligned &&
      (type & SlotFormat.typeMask) === type &&
      length >>> 0 === length &&
      length <= UrpcGeometry.slotPayloadBytes &&
      length <= bytes.length &&
      ((length + 3) & ~3) <= this.lastSourceBytes &&
      (this.writeIndex - this.ackedCached) >>> 0 < UrpcGeometry.slotsPerRing
    );
  }

  /**
   * Writes a one-slot message from the current source words; with `publish`, publishes it (and any
   * open batch) at once. The payload is written first, then the header: a plain store if the slot is
   * not the batch head, else held back for the head's Atomics.store, the batch's one release.
   */
  private writeOneSlot(type: number, length: number, publish: boolean): void {
    this.writeOneSlotFrom(this.sourceWords, this.sourceWordOffset, type, length, publish);
  }

  /** As `writeOneSlot`, from word `srcWord` of `src`. */
  private writeOneSlotFrom(
    src: Int32Array,
    srcWord: number,
    type: number,
    length: number,
    publish: boolean,
  ): void {
    const index = this.writeIndex;
    const base = this.slotsWord + (index & SlotFormat.slotMask) * SlotFormat.wordsPerSlot;
    const words = this.words;
    const n = (length + 3) >>> 2;
    if (n === SlotFormat.payloadWordsPerSlot) copyFullSlot(words, base, src, srcWord);
    else for (let i = 0; i < n; i++) words[base + i] = src[srcWord + i]!;
    this.publishOneSlot(
      index,
      base,
      (length << SlotFormat.lengthShift) | (type << SlotFormat.typeShift),
      publish,
    );
  }

  /**
   * Reserves the next slot for a zero-copy send, as Barrelfish's ump_impl_get_next does: returns the
   * index in `words` of the slot's first payload word, or -1 when the ring is full (the open batch is
   * then published, so that the receiver can make room). Write the payload's words there (at most
   * SlotFormat.payloadWordsPerSlot of them), then `commit()` the slot. Reserving writes nothing: a
   * second call before the commit returns the same slot.
   */
  reserveSlot(): number {
    const index = this.writeIndex;
    if ((index - this.ackedCached) >>> 0 >= UrpcGeometry.slotsPerRing && this.freeSlots() === 0) {
      this.flush();
      return -1;
    }
    return this.slotsWord + (index & SlotFormat.slotMask) * SlotFormat.wordsPerSlot;
  }

  /**
   * Sends the slot that `reserveSlot()` returned as a one-slot message of `type` whose payload is the
   * slot's first `length` bytes; with `publish`, publishes it (and any open batch) at once, else it
   * joins the open batch. A slot that is not the reserved one (another message was sent since, or it
   * never was reserved), a type or a length out of range, is refused with a ChannelError and nothing
   * is sent. The checks store nothing: every store the sender makes waits behind the slot's own in
   * the store buffer, while the slot's line comes over from the receiver.
   */
  commit(slot: number, type: number, length: number, publish: boolean): void {
    const index = this.writeIndex;
    if (
      slot !== this.slotsWord + (index & SlotFormat.slotMask) * SlotFormat.wordsPerSlot ||
      (index - this.ackedCached) >>> 0 >= UrpcGeometry.slotsPerRing ||
      (type & SlotFormat.typeMask) !== type ||
      length >>> 0 !== length ||
      length > UrpcGeometry.slotPayloadBytes
    )
      this.refuseCommit(slot, type, length);
    this.publishOneSlot(
      index,
      slot,
      (length << SlotFormat.lengthShift) | (type << SlotFormat.typeShift),
      publish,
    );
  }

  private refuseCommit(slot: number, type: number, length: number): never {
    const index = this.writeIndex;
    let problem: string;
    if ((index - this.ackedCached) >>> 0 >= UrpcGeometry.slotsPerRing)
      problem = "the ring is full: reserveSlot() returned -1, not a slot";
    else if (slot !== this.slotsWord + (index & SlotFormat.slotMask) * SlotFormat.wordsPerSlot)
      problem = `word ${slot} is not the reserved slot (reserve with reserveSlot(), and send nothing else before the commit)`;
    else if ((type & SlotFormat.typeMask) !== type)
      problem = `type ${type} is not an integer in [0, ${UrpcGeometry.messageTypesMax})`;
    else problem = `length ${length} is not an integer in [0, ${UrpcGeometry.slotPayloadBytes}]`;
    throw new ChannelError(this.name, `commit() of a message of type ${type} refused: ${problem}`);
  }

  /**
   * Writes a one-slot message's header (type and length bits in `typeAndLength`) after its payload:
   * a plain store if the slot is not the batch head, else held back for the head's Atomics.store,
   * the batch's one release.
   */
  private publishOneSlot(index: number, base: number, typeAndLength: number, publish: boolean): void {
    const words = this.words;
    const header =
      (((index >>> UrpcGeometry.slotsPerRingLog2) + 1) & SlotFormat.epochMask) |
      SlotFormat.oneSlotBits |
      typeAndLength;
    const next = (index + 1) >>> 0;
    this.writeIndex = next;
    if (index === this.batchStart) {
      if (publish) {
        Atomics.store(words, base + SlotFormat.headerWordIndex, header);
        this.batchStart = next;
        this.receiverDoorbell.ring();
        return;
      }
      this.batchHeadHeader = header;
    } else {
      words[base + SlotFormat.headerWordIndex] = header;
    }
    if (publish || (next - this.batchStart) >>> 0 >= UrpcGeometry.publishBatchSlotsMax) this.flush();
  }

  /** Any message: checks everything, stages unaligned sources, fragments. */
  private trySendSlow(type: number, bytes: Uint8Array, length: number): boolean {
    this.checkMessage(type, bytes, length);
    const slots = slotsForLength(length);
    if (this.freeSlotsCached() < slots && this.freeSlots() < slots) {
      // Publish what is written before reporting a full ring: a receiver that cannot see the open
      // batch would never consume it, and the caller's wait for credit could never end.
      this.flush();
      return false;
    }
    // Copy whole words straight from the caller's buffer when it is word-aligned and holds the whole
    // last word; otherwise stage the bytes into an aligned private buffer first. The checks are
    // cached per source buffer (reading a typed array's .buffer is not free).
    if (bytes !== this.lastSource) this.adoptSource(bytes);
    if (!this.lastSourceAligned || ((length + 3) & ~3) > this.lastSourceBytes) {
      const staging = this.stagingBytes;
      for (let i = 0; i < length; i++) staging[i] = bytes[i]!;
      this.sourceWords = this.staging;
      this.sourceWordOffset = 0;
      this.lastSource = undefined;
      this.lastSourceBuffer = undefined;
    }
    if (slots === 1) {
      this.writeSlot(type, true, true, length, 0);
    } else {
      let from = 0;
      for (let k = 0; k < slots; k++) {
        const chunk = Math.min(UrpcGeometry.slotPayloadBytes, length - from);
        this.writeSlot(type, k === 0, k === slots - 1, chunk, from);
        from += chunk;
      }
    }
    if ((this.writeIndex - this.batchStart) >>> 0 >= UrpcGeometry.publishBatchSlotsMax) this.flush();
    return true;
  }

  /** The last source buffer and what is known of it. */
  private lastSource: Uint8Array | undefined;
  private lastSourceAligned = false;
  /** Bytes from the source's start to the end of its ArrayBuffer. */
  private lastSourceBytes = 0;
  private sourceWords: Int32Array = this.staging;
  private sourceWordOffset = 0;

  /** The buffer `sourceWords` views, so that views into one buffer share one word view. */
  private lastSourceBuffer: ArrayBufferLike | undefined;

  private adoptSource(bytes: Uint8Array): void {
    const buffer = bytes.buffer;
    this.lastSource = bytes;
    this.lastSourceAligned = bytes.byteOffset % 4 === 0;
    this.lastSourceBytes = buffer.byteLength - bytes.byteOffset;
    if (this.lastSourceAligned) {
      // Many sources are views into one buffer (a port's backlog slabs): one word view per buffer,
      // made again if the buffer has grown since (a resizable or growable buffer).
      if (buffer !== this.lastSourceBuffer || this.sourceWords.length !== buffer.byteLength >>> 2) {
        this.sourceWords = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
        this.lastSourceBuffer = buffer;
      }
      this.sourceWordOffset = bytes.byteOffset >>> 2;
    }
  }

  /** Writes one slot from the current source words, starting at byte `from` of the message. */
  private writeSlot(type: number, first: boolean, last: boolean, length: number, from: number): void {
    const src = this.sourceWords;
    const srcWord = this.sourceWordOffset + (from >>> 2);
    const index = this.writeIndex;
    const base = this.slotsWord + (index & SlotFormat.slotMask) * SlotFormat.wordsPerSlot;
    const words = this.words;
    const n = (length + 3) >>> 2;
    if (n === SlotFormat.payloadWordsPerSlot && srcWord + n <= src.length) {
      copyFullSlot(words, base, src, srcWord);
    } else {
      for (let i = 0; i < n; i++) words[base + i] = src[srcWord + i]!;
    }
    const header = makeHeader(index, type, first, last, length);
    if (index === this.batchStart) this.batchHeadHeader = header;
    else words[base + SlotFormat.headerWordIndex] = header;
    this.writeIndex = (index + 1) >>> 0;
    if ((this.writeIndex - this.batchStart) >>> 0 >= UrpcGeometry.publishBatchSlotsMax) this.flush();
  }

  /** Publishes every written slot: one sequentially consistent store, then the doorbell. */
  flush(): void {
    if (this.batchStart === this.writeIndex) return;
    const headWord =
      this.slotsWord +
      (this.batchStart & SlotFormat.slotMask) * SlotFormat.wordsPerSlot +
      SlotFormat.headerWordIndex;
    const following = ((this.writeIndex - this.batchStart) >>> 0) - 1;
    Atomics.store(this.words, headWord, this.batchHeadHeader | (following << SlotFormat.followingShift));
    this.batchStart = this.writeIndex;
    this.receiverDoorbell.ring();
  }

  /** Whether written slots wait for `flush()`. */
  hasUnpublished(): boolean {
    return this.batchStart !== this.writeIndex;
  }

  /** Announces that the sender waits for credit; the receiver rings the sender's doorbell on its next ack. */
  setWaitingForCredit(waiting: boolean): void {
    Atomics.store(this.words, this.waitWord, waiting ? 1 : 0);
  }
}

export class RingReceiver {
  /**
   * The shared memory as words. A handler may read a one-slot message's words from here, starting at
   * `bytes.byteOffset / 4` (a one-slot message is handed over as a view of its slot).
   */
  readonly words: Int32Array;
  private readonly slotsWord: number;
  private readonly ackWord: number;
  private readonly waitWord: number;
  /** Absolute index of the next slot to read. */
  private readIndex = 0;
  /** Consumed count last published on the ack line. */
  private ackPublished = 0;
  private readonly reassembly = new Int32Array(reassemblyBytes / 4);
  /** One view per slot's payload, made once: one-slot messages are delivered through these. */
  private readonly slotViews: Uint8Array[];
  readonly reassemblyBytes = new Uint8Array(this.reassembly.buffer);
  /** Slots still to read in the batch whose head was last loaded. */
  private batchRemaining = 0;
  /** Bytes of the message being reassembled; -1 when between messages. */
  private partialLength = -1;
  private partialType = 0;
  /** After a malformed fragment of an unfinished message: its remaining fragments are skipped. */
  private discarding = false;
  malformedFrames = 0;
  /** The OR of the headers prefetchBatch last read: public, so that the compiler keeps its loads. */
  prefetched = 0;

  /** @internal Rings are made by UrpcChannel (or a platform), not by users. */
  constructor(
    readonly name: string,
    memory: SharedArrayBuffer,
    offsets: RingOffsets,
    /** The sender's doorbell: rung after an ack if the sender waits for credit. */
    private readonly senderDoorbell: Doorbell,
  ) {
    this.words = new Int32Array(memory);
    this.slotsWord = offsets.slotsWord;
    this.ackWord = offsets.ackWord;
    this.waitWord = offsets.waitWord;
    this.slotViews = [];
    for (let i = 0; i < UrpcGeometry.slotsPerRing; i++) {
      this.slotViews.push(
        new Uint8Array(
          memory,
          (this.slotsWord + i * SlotFormat.wordsPerSlot) * 4,
          UrpcGeometry.slotPayloadBytes,
        ),
      );
    }
  }

  /** Whether the next slot holds a published fragment. */
  hasMessage(): boolean {
    if (this.batchRemaining > 0) return true;
    const header = Atomics.load(
      this.words,
      this.slotsWord +
        (this.readIndex & SlotFormat.slotMask) * SlotFormat.wordsPerSlot +
        SlotFormat.headerWordIndex,
    );
    return (
      (header & SlotFormat.epochMask) ===
      (((this.readIndex >>> UrpcGeometry.slotsPerRingLog2) + 1) & SlotFormat.epochMask)
    );
  }

  /**
   * Delivers up to `messagesMax` complete messages to `handler`; returns how many. A handler's
   * exception propagates after its message is consumed: the ring stays consistent and the next
   * poll goes on with the next message. A malformed frame is consumed and thrown as a
   * ChannelError, likewise.
   */
  poll(handler: MessageHandler, messagesMax: number = UrpcGeometry.slotsPerRing): number {
    const words = this.words;
    let delivered = 0;
    let empty = false;
    while (delivered < messagesMax) {
      const index = this.readIndex;
      const base = this.slotsWord + (index & SlotFormat.slotMask) * SlotFormat.wordsPerSlot;
      const batchRemainingBefore = this.batchRemaining;
      let header: number;
      if (this.batchRemaining === 0) {
        // A batch head: the one atomic load of the batch.
        header = Atomics.load(words, base + SlotFormat.headerWordIndex);
        if (
          (header & SlotFormat.epochMask) !==
          (((index >>> UrpcGeometry.slotsPerRingLog2) + 1) & SlotFormat.epochMask)
        ) {
          empty = true;
          break;
        }
        const following = (header >>> SlotFormat.followingShift) & SlotFormat.followingMask;
        this.batchRemaining = following;
        if (following > 0) this.prefetchBatch(index, following);
      } else {
        // Inside a batch: written before its head was published, so a plain load sees it.
        header = words[base + SlotFormat.headerWordIndex]!;
        this.batchRemaining--;
        if (
          (header & (SlotFormat.epochMask | (SlotFormat.followingMask << SlotFormat.followingShift))) !==
          (((index >>> UrpcGeometry.slotsPerRingLog2) + 1) & SlotFormat.epochMask)
        ) {
          // The slot is left unconsumed and the message in progress untouched: the next poll loads
          // this slot again as a batch head, with an atomic load, and goes on from there.
          this.batchRemaining = 0;
          this.malformedFrames++;
          throw new ChannelError(
            this.name,
            `malformed batch at slot ${index}: its head promised more slots than were written; ${describeHeader(header)}`,
          );
        }
      }
      if (
        (header & SlotFormat.oneSlotBits) === SlotFormat.oneSlotBits &&
        ((header >>> SlotFormat.lengthShift) & SlotFormat.lengthMask) <= UrpcGeometry.slotPayloadBytes &&
        this.partialLength < 0
      ) {
        // The common case, a whole one-slot message between messages: handed over in place, with no
        // copy. The slot is consumed before the handler runs (so that an exception, or a handler
        // that polls again, can never see it twice) but acknowledged to the sender only after it
        // returns, so the sender cannot rewrite the slot while the handler reads it.
        this.discarding = false;
        this.readIndex = (index + 1) >>> 0;
        delivered++;
        handler(
          header >>> SlotFormat.typeShift,
          this.slotViews[index & SlotFormat.slotMask]!,
          (header >>> SlotFormat.lengthShift) & SlotFormat.lengthMask,
        );
        if ((this.readIndex - this.ackPublished) >>> 0 >= UrpcGeometry.ackEverySlots) this.publishAck();
        continue;
      }
      const length = headerLength(header);
      const first = headerIsFirst(header);
      const last = headerIsLast(header);
      const type = headerType(header);
      if (this.discarding) {
        // The rest of a message already reported as malformed: skipped without a second error.
        if (!first) {
          if (last) this.discarding = false;
          this.consumeSlot();
          continue;
        }
        this.discarding = false;
      }
      // Validate before copying: a bad frame is consumed and reported, never trusted.
      let problem: string | undefined;
      if (first && this.partialLength >= 0) {
        // The message in progress is abandoned; this slot begins the next one and is kept for the
        // next poll (with the batch state it was read under), so that no good message is lost.
        this.partialLength = -1;
        this.batchRemaining = batchRemainingBefore;
        this.malformedFrames++;
        throw new ChannelError(
          this.name,
          `malformed frame at slot ${index}: a new message began before the last one (type ${this.partialType}) ended; ` +
            `that message is dropped; ${describeHeader(header)}`,
        );
      }
      if (length > UrpcGeometry.slotPayloadBytes)
        problem = `slot length ${length} is over ${UrpcGeometry.slotPayloadBytes} bytes`;
      else if (!first && this.partialLength < 0)
        problem = "a continuation fragment arrived with no message begun";
      else if (!first && type !== this.partialType)
        problem = `fragment type ${type} differs from its message's type ${this.partialType}`;
      else if (!last && length !== UrpcGeometry.slotPayloadBytes)
        problem = `a non-final fragment holds ${length} bytes, not ${UrpcGeometry.slotPayloadBytes}`;
      else if (!first && this.partialLength + length > messageBytesMax)
        problem = `reassembled message exceeds ${messageBytesMax} bytes`;
      if (problem !== undefined) {
        this.partialLength = -1;
        // Skip the rest of this message's fragments: one bad message, one error.
        this.discarding = !last;
        this.consumeSlot();
        this.malformedFrames++;
        throw new ChannelError(
          this.name,
          `malformed frame at slot ${index}: ${problem}; ${describeHeader(header)}`,
        );
      }
      // A fragment of a longer message: copied into the reassembly buffer, so that its slot is free
      // again at once and the handler sees the whole message in one piece.
      if (first) {
        this.partialLength = 0;
        this.partialType = type;
      }
      const dst = this.reassembly;
      const dstWord = this.partialLength >>> 2;
      const n = (length + 3) >>> 2;
      for (let i = 0; i < n; i++) dst[dstWord + i] = words[base + i]!;
      this.partialLength += length;
      this.consumeSlot();
      if (last) {
        const total = this.partialLength;
        this.partialLength = -1;
        delivered++;
        handler(type, this.reassemblyBytes, total);
      }
    }
    // Finding the ring empty, publish what was consumed, so that a blocked sender always gets credit.
    if (empty && this.readIndex !== this.ackPublished) this.publishAck();
    return delivered;
  }

  /**
   * Touches the header word of each slot that follows a batch head. They are all published, and loads
   * that do not depend on one another bring their lines over from the sender's cache in parallel,
   * instead of one miss at a time as each message is handled. The loads' result is kept in a field
   * so that the compiler cannot drop them.
   */
  private prefetchBatch(head: number, following: number): void {
    const words = this.words;
    const slotsWord = this.slotsWord;
    let seen = 0;
    for (let k = 1; k <= following; k++) {
      seen |=
        words[
          slotsWord +
            ((head + k) & SlotFormat.slotMask) * SlotFormat.wordsPerSlot +
            SlotFormat.headerWordIndex
        ]!;
    }
    this.prefetched = seen;
  }

  private consumeSlot(): void {
    this.readIndex = (this.readIndex + 1) >>> 0;
    if ((this.readIndex - this.ackPublished) >>> 0 >= UrpcGeometry.ackEverySlots) this.publishAck();
  }

  private publishAck(): void {
    this.ackPublished = this.readIndex;
    Atomics.store(this.words, this.ackWord, this.readIndex | 0);
    if (Atomics.load(this.words, this.waitWord) !== 0) {
      Atomics.store(this.words, this.waitWord, 0);
      this.senderDoorbell.ring();
    }
  }
}
