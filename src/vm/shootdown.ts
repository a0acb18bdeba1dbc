// The shootdown engine: one core's part in keeping an address space's replicas and TLBs coherent.
//
// Every core a domain spans runs one engine. It holds the core's page-table replica and TLB, and
// runs map, unmap and protect as split-phase distributed operations through the monitors:
//   1. start     the caller's core checks the request against its own replica (clear errors for bad
//                input), records it, and sends `request` to the address space's home core;
//   2. sequence  the home gives the update the next sequence number, applies it to its replica,
//                and sends `update` down the protocol's tree (shootdown-routes.ts);
//   3. continue  each core applies the update to its replica, drops the range from its TLB,
//                forwards to its children, and acknowledges to its parent once its subtree has;
//   4. complete  when acks from every other core have reached the home, it sends `reply` to the
//                requester, whose promise then resolves (or rejects, if the home refused).
// Ordering: every update starts at the one home core and follows the same tree path to a given core
// over FIFO channels, so every replica applies the updates in the home's order (checked: a core
// throws on a sequence gap). Concurrency is decided at the home, by that order — see docs/vm.md:
// unmaps and protects of a page already gone are no-ops that still complete, protect intersects
// rights, and of two concurrent maps of one page the later is refused with "already-mapped" (as is
// a map that would take the home's replica past mappedPagesMax, with "table-full").
// In-flight state is an explicit record on each side: `PendingRequest` at the requester,
// `HomeOperation` at the home, `RelayOperation` at an inner node of the tree; each is bounded.
// Safety: when an unmap resolves, every core has applied it and dropped its TLB entries, so no core
// translates the page (unless a later map, sequenced after it, maps it again).
// Crash-stop (`peerFailed`, from the failure detector): a failed core never applies or acknowledges
// again, so no operation can promise that every core has; every operation this core asked for and
// not yet answered, and every later one, rejects with "peer-failed" instead of waiting for ever.

import type { CoreEnv } from "../cpu-driver/core-env.js";
import {
  addressSpaceBytes,
  mappedPagesMax,
  pageBytes,
  shootdownsInFlightMax,
  tlbEntriesMax,
} from "../limits.js";
import { hex, VmError } from "./errors.js";
import { PageAccess, staleTranslationError } from "./page-access.js";
import { PageTable, type PageTableEntry } from "./page-table.js";
import type { PhysicalMemory } from "./physical-memory.js";
import { checkRange } from "./range.js";
import { formatRights, isRights, type Rights, rightsAllow, rightsEscalate } from "./rights.js";
import {
  type AckMessage,
  decodeAck,
  decodeReply,
  decodeRequest,
  decodeUpdate,
  OpKind,
  opKindNames,
  type ReplyMessage,
  ReplyStatus,
  type RequestMessage,
  ShootdownEncoder,
  shootdownAckType,
  shootdownReplyType,
  shootdownRequestType,
  shootdownUpdateType,
  type UpdateMessage,
} from "./shootdown-messages.js";
import { type RouteOptions, routesOf, type ShootdownRoute, treeFor } from "./shootdown-routes.js";
import { Tlb } from "./tlb.js";

/** How an engine is set up; the same on every core of the address space. */
export interface ShootdownOptions extends RouteOptions {
  /** The frames this address space maps. */
  readonly memory: PhysicalMemory;
  /** The core that sequences every update; the lowest core by default. */
  readonly home?: number;
  /** This core's TLB capacity; tlbEntriesMax by default. */
  readonly tlbEntries?: number;
  /**
   * Called on the requester's core the moment an operation completes, before its promise settles
   * (promise continuations run later, after the platform's step): the hook for invariant checkers.
   */
  readonly onComplete?: (operation: CompletedOperation) => void;
  /**
   * Called on this core each time it drops a range from its TLB (an unmap's or a protect's update),
   * synchronously, before it forwards or acknowledges the update: where a platform charges what
   * the invalidation costs (the simulated shootdown: the monitor's call into its CPU driver).
   */
  readonly onTlbInvalidate?: (vaddrPage: number, pageCount: number) => void;
}

/** An operation as it completed. */
export interface CompletedOperation {
  /** The core that asked for it. */
  readonly core: number;
  readonly requestId: number;
  readonly kind: "map" | "unmap" | "protect";
  readonly vaddr: number;
  readonly lengthBytes: number;
  /** The home's sequence number for it; 0 when the home refused it. */
  readonly seq: number;
  readonly error: VmError | undefined;
}

/** What `translate` gives: the frame, and access to its bytes while the mapping allows it. */
export interface Translation {
  readonly frame: number;
  readonly rights: Rights;
  /** Sequence number of the update that last wrote this mapping. */
  readonly seq: number;
  /** Offset of the address within its page. */
  readonly offsetBytes: number;
  /**
   * The page's bytes (the frame's, not a copy), each access checked against this core's mapping:
   * it faults once an unmap or protect has taken the page or the right away (page-access.ts).
   */
  readonly page: PageAccess;
}

/** Messages and work this core has done. */
export interface ShootdownCounters {
  requestsSent: number;
  /** Updates written on point-to-point channels (sent or forwarded). */
  updatesSent: number;
  /** Updates written once on this core's broadcast channel. */
  updateBroadcastsSent: number;
  acksSent: number;
  repliesSent: number;
  updatesApplied: number;
}

/** Requester side: an operation this core asked for, not yet answered. */
interface PendingRequest {
  readonly requestId: number;
  readonly kind: OpKind;
  readonly vaddrPage: number;
  readonly pageCount: number;
  readonly description: string;
  readonly resolve: () => void;
  readonly reject: (error: VmError) => void;
  /** The operation's promise (set once made): closing marks its rejection as handled. */
  promise?: Promise<void>;
}

/** Home side: an update sent down the tree, waiting for every other core's acknowledgement. */
interface HomeOperation {
  readonly seq: number;
  readonly requester: number;
  readonly requestId: number;
  readonly acksAwaited: number;
  acked: number;
}

/** Inner node of the tree: an update forwarded to children, waiting for their acknowledgements. */
interface RelayOperation {
  readonly seq: number;
  readonly parent: number;
  childAcksAwaited: number;
  /** Cores of this subtree that have applied the update so far, this one included. */
  count: number;
}

export class ShootdownEngine {
  readonly coreId: number;
  readonly home: number;
  readonly replica = new PageTable();
  readonly tlb: Tlb;
  readonly counters: ShootdownCounters = {
    requestsSent: 0,
    updatesSent: 0,
    updateBroadcastsSent: 0,
    acksSent: 0,
    repliesSent: 0,
    updatesApplied: 0,
  };

  private readonly memory: PhysicalMemory;
  private readonly route: ShootdownRoute;
  private readonly viaBroadcast: boolean;
  private readonly encoder = new ShootdownEncoder();
  /** Set by close(): nothing translates here any more. */
  private closed = false;
  private readonly onComplete: ((operation: CompletedOperation) => void) | undefined;
  private readonly onTlbInvalidate: ((vaddrPage: number, pageCount: number) => void) | undefined;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly homeOperations = new Map<number, HomeOperation>();
  private readonly relays = new Map<number, RelayOperation>();
  private readonly relaysMax: number;
  private nextRequestId = 1;
  /** At the home: the last sequence number given. */
  private sequenced = 0;
  /** The last update this replica applied. */
  private applied = 0;
  /** Cores declared failed; once any is, operations reject (see peerFailed). */
  private readonly failedPeers = new Set<number>();

  constructor(
    private readonly env: CoreEnv,
    options: ShootdownOptions,
  ) {
    this.coreId = env.coreId;
    this.home = options.home ?? env.coreIds[0]!;
    if (!env.coreIds.includes(this.home)) throw new Error(`shootdown: home core ${this.home} is not booted`);
    if (options.memory.coreId !== env.coreId) {
      throw new Error(`shootdown: core ${env.coreId} given core ${options.memory.coreId}'s physical memory`);
    }
    this.memory = options.memory;
    this.tlb = new Tlb(options.tlbEntries ?? tlbEntriesMax);
    this.onComplete = options.onComplete;
    this.onTlbInvalidate = options.onTlbInvalidate;
    this.viaBroadcast = options.protocol === "broadcast";
    this.route = routesOf(treeFor(options, this.home, env.coreIds)).get(env.coreId)!;
    this.relaysMax = env.coreIds.length * shootdownsInFlightMax;
  }

  /** The last update this core's replica applied. */
  get appliedSeq(): number {
    return this.applied;
  }

  /** Operations this core asked for and that are not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Where this core forwards updates (its children in the protocol's tree). */
  get children(): readonly number[] {
    return this.viaBroadcast ? [] : this.route.children;
  }

  /**
   * The failure detector declared `core` failed: every operation this core is waiting for rejects
   * now with "peer-failed", later ones at once, and late replies and acks are dropped. Idempotent;
   * translations keep using this core's replica.
   */
  peerFailed(core: number): void {
    if (core === this.coreId || !this.env.coreIds.includes(core) || this.failedPeers.has(core)) return;
    this.failedPeers.add(core);
    this.failPending(
      (request) =>
        new VmError("peer-failed", `${request.description}: core ${core} failed before it completed`),
      false,
    );
    this.homeOperations.clear();
    this.relays.clear();
  }

  // ---- The three operations --------------------------------------------------------------------

  /** Maps `lengthBytes` of pages at `vaddr` to consecutive frames from `frame`; resolves once every core has. */
  map(vaddr: number, frame: number, rights: Rights, lengthBytes: number = pageBytes): Promise<void> {
    const description = `core ${this.coreId}: map(${hex(vaddr)}, frame ${frame}, ${formatRights(rights)}, ${lengthBytes})`;
    try {
      const pageCount = this.checkRange(description, vaddr, lengthBytes);
      if (!isRights(rights))
        throw new VmError("bad-rights", `${description}: ${rights} is not a set of rights`);
      if (!this.memory.isFrame(frame) || !this.memory.isFrame(frame + pageCount - 1)) {
        throw new VmError(
          "bad-frame",
          `${description}: frames ${frame}+${pageCount} outside ${this.memory.frameCount}`,
        );
      }
      const vaddrPage = vaddr / pageBytes;
      if (this.replica.size + pageCount > mappedPagesMax) {
        throw new VmError(
          "table-full",
          `${description}: more than mappedPagesMax=${mappedPagesMax} pages would be mapped`,
        );
      }
      for (let i = 0; i < pageCount; i++) {
        if (this.replica.lookup(vaddrPage + i) !== undefined) {
          throw new VmError(
            "already-mapped",
            `${description}: page ${hex(vaddr + i * pageBytes)} is already mapped`,
          );
        }
      }
      return this.start(description, { kind: OpKind.map, rights, vaddrPage, pageCount, frame });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Unmaps `lengthBytes` at `vaddr`; resolves once no core can translate any page of it. */
  unmap(vaddr: number, lengthBytes: number): Promise<void> {
    const description = `core ${this.coreId}: unmap(${hex(vaddr)}, ${lengthBytes})`;
    try {
      const pageCount = this.checkRange(description, vaddr, lengthBytes);
      const vaddrPage = vaddr / pageBytes;
      this.checkMapped(description, vaddrPage, pageCount, undefined);
      return this.start(description, { kind: OpKind.unmap, rights: 0, vaddrPage, pageCount, frame: 0 });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Restricts `lengthBytes` at `vaddr` to `rights` (never adds); resolves once every core has. */
  protect(vaddr: number, lengthBytes: number, rights: Rights): Promise<void> {
    const description = `core ${this.coreId}: protect(${hex(vaddr)}, ${lengthBytes}, ${formatRights(rights)})`;
    try {
      const pageCount = this.checkRange(description, vaddr, lengthBytes);
      if (!isRights(rights))
        throw new VmError("bad-rights", `${description}: ${rights} is not a set of rights`);
      const vaddrPage = vaddr / pageBytes;
      this.checkMapped(description, vaddrPage, pageCount, rights);
      return this.start(description, { kind: OpKind.protect, rights, vaddrPage, pageCount, frame: 0 });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Translates `vaddr` for `access` on this core: TLB, then replica. Throws a page or protection fault. */
  translate(vaddr: number, access: Rights): Translation {
    if (!Number.isInteger(vaddr) || vaddr < 0 || vaddr >= addressSpaceBytes) {
      throw new VmError(
        "out-of-range",
        `core ${this.coreId}: translate(${vaddr}): outside the address space`,
      );
    }
    if (!isRights(access))
      throw new VmError("bad-rights", `core ${this.coreId}: translate: ${access} is not an access`);
    const vaddrPage = Math.floor(vaddr / pageBytes);
    const entry = this.lookup(vaddrPage);
    if (entry === undefined) {
      throw new VmError("page-fault", `core ${this.coreId}: page fault: ${hex(vaddr)} is not mapped`);
    }
    if (!rightsAllow(entry.rights, access)) {
      throw new VmError(
        "protection-fault",
        `core ${this.coreId}: protection fault: ${formatRights(access)} access to ${hex(vaddr)}, mapped ${formatRights(entry.rights)}`,
      );
    }
    const frame = entry.frame;
    return {
      frame,
      rights: entry.rights,
      seq: entry.seq,
      offsetBytes: vaddr - vaddrPage * pageBytes,
      page: new PageAccess(this.memory.frameBytes(frame), vaddrPage, (checked) => {
        const current = this.lookup(vaddrPage);
        if (current === undefined || current.frame !== frame || !rightsAllow(current.rights, checked))
          throw staleTranslationError(this.coreId, vaddrPage, checked, current, frame);
      }),
    };
  }

  /**
   * This core's side of the space is closed (its domain ended): no page translates here any more,
   * and accesses through earlier translations fault, before the domain's frames are reused. An
   * operation this core asked for and not yet answered rejects ("closed"): its answer would be
   * dropped as late, and the core must stop counting it as a call in flight.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    // The space closes when its domain ends: nobody may await these any more, and their rejections
    // must not be reported as the next domain's escaped failure. Whoever still awaits one sees it.
    this.failPending(
      (request) =>
        new VmError("closed", `${request.description}: the address space closed before it completed`),
      true,
    );
  }

  /**
   * Rejects every operation this core asked for and has not had answered, each with `errorOf` it;
   * the core stops counting them as calls in flight. `handled`: their rejections are marked handled.
   */
  private failPending(errorOf: (request: PendingRequest) => VmError, handled: boolean): void {
    for (const request of [...this.pending.values()]) {
      this.pending.delete(request.requestId);
      if (this.env.activity !== undefined) this.env.activity.callsInFlight--;
      if (handled) request.promise?.catch(() => {});
      this.completeRequest(request, 0, errorOf(request));
    }
  }

  /** This core's mapping of a page: its TLB, filled from its replica on a miss; none once closed. */
  private lookup(vaddrPage: number): PageTableEntry | undefined {
    if (this.closed) return undefined;
    let entry = this.tlb.lookup(vaddrPage);
    if (entry === undefined) {
      entry = this.replica.lookup(vaddrPage);
      if (entry !== undefined) this.tlb.insert(vaddrPage, entry);
    }
    return entry;
  }

  /**
   * A message from `fromCore`'s monitor, `length` bytes from `offset` of `bytes`; returns false if
   * its type is not this interface's.
   */
  receive(fromCore: number, type: number, bytes: Uint8Array, length: number, offset = 0): boolean {
    switch (type) {
      case shootdownRequestType:
        this.requestReceived(fromCore, decodeRequest(bytes, length, offset));
        return true;
      case shootdownUpdateType:
        this.updateReceived(fromCore, decodeUpdate(bytes, length, offset));
        return true;
      case shootdownAckType:
        this.ackReceived(fromCore, decodeAck(bytes, length, offset));
        return true;
      case shootdownReplyType:
        this.replyReceived(fromCore, decodeReply(bytes, length, offset));
        return true;
      default:
        return false;
    }
  }

  // ---- Checks at the requester -----------------------------------------------------------------

  private checkRange(description: string, vaddr: number, lengthBytes: number): number {
    return checkRange(description, vaddr, lengthBytes, addressSpaceBytes, "the address space");
  }

  /** Every page must be mapped here; with `rights`, none may gain a right. */
  private checkMapped(
    description: string,
    vaddrPage: number,
    pageCount: number,
    rights: Rights | undefined,
  ): void {
    for (let i = 0; i < pageCount; i++) {
      const entry = this.replica.lookup(vaddrPage + i);
      const vaddr = (vaddrPage + i) * pageBytes;
      if (entry === undefined)
        throw new VmError("not-mapped", `${description}: page ${hex(vaddr)} is not mapped`);
      if (rights !== undefined && rightsEscalate(entry.rights, rights)) {
        throw new VmError(
          "rights-escalation",
          `${description}: rights escalation: page ${hex(vaddr)} is mapped ${formatRights(entry.rights)}`,
        );
      }
    }
  }

  // ---- Start: requester → home -----------------------------------------------------------------

  private start(description: string, fields: Omit<RequestMessage, "requestId">): Promise<void> {
    if (this.failedPeers.size > 0) {
      const failed = [...this.failedPeers].join(", ");
      throw new VmError("peer-failed", `${description}: core ${failed} of the address space failed`);
    }
    if (this.pending.size >= shootdownsInFlightMax) {
      throw new VmError(
        "in-flight-limit",
        `${description}: ${this.pending.size} operations already in flight (shootdownsInFlightMax=${shootdownsInFlightMax})`,
      );
    }
    const requestId = this.nextRequestId;
    this.nextRequestId = (this.nextRequestId % 0xffff_ffff) + 1;
    const request: RequestMessage = {
      requestId,
      kind: fields.kind,
      rights: fields.rights,
      vaddrPage: fields.vaddrPage,
      pageCount: fields.pageCount,
      frame: fields.frame,
    };
    const promise = new Promise<void>((resolve, reject) => {
      this.pending.set(requestId, {
        requestId,
        kind: fields.kind,
        vaddrPage: fields.vaddrPage,
        pageCount: fields.pageCount,
        description,
        resolve,
        reject,
      });
    });
    this.pending.get(requestId)!.promise = promise;
    // The requester's core keeps polling until the operation completes (src/cpu-driver/cpu-driver.ts).
    if (this.env.activity !== undefined) this.env.activity.callsInFlight++;
    try {
      if (this.coreId === this.home) {
        this.requestReceived(this.coreId, request);
      } else {
        this.env
          .portTo(this.home)
          .send(shootdownRequestType, this.encoder.bytes, this.encoder.request(request));
        this.counters.requestsSent++;
      }
    } catch (error) {
      // The request never went out (a full port, say): forget it, so that nothing waits for it.
      if (this.pending.delete(requestId) && this.env.activity !== undefined)
        this.env.activity.callsInFlight--;
      throw error;
    }
    return promise;
  }

  // ---- Sequence: at the home ---------------------------------------------------------------------

  private requestReceived(requester: number, request: RequestMessage): void {
    if (this.coreId !== this.home) {
      throw new Error(
        `shootdown: core ${this.coreId} got a request from core ${requester} but core ${this.home} is home`,
      );
    }
    // After a failure the requester rejects on its own detection: nothing more is sequenced.
    if (this.failedPeers.size > 0) return;
    if (request.kind === OpKind.map && this.replica.anyMapped(request.vaddrPage, request.pageCount)) {
      this.answer(requester, request.requestId, ReplyStatus.alreadyMapped, 0);
      return;
    }
    if (request.kind === OpKind.map && this.replica.size + request.pageCount > mappedPagesMax) {
      this.answer(requester, request.requestId, ReplyStatus.tableFull, 0);
      return;
    }
    const seq = ++this.sequenced;
    const update: UpdateMessage = {
      seq,
      initiator: requester,
      kind: request.kind,
      rights: request.rights,
      vaddrPage: request.vaddrPage,
      pageCount: request.pageCount,
      frame: request.frame,
    };
    this.apply(update);
    const acksAwaited = this.env.coreIds.length - 1;
    if (acksAwaited === 0) {
      this.answer(requester, request.requestId, ReplyStatus.ok, seq);
      return;
    }
    if (this.homeOperations.size >= this.relaysMax) {
      throw new Error(
        `shootdown: home core ${this.coreId} has ${this.homeOperations.size} updates in flight`,
      );
    }
    this.homeOperations.set(seq, { seq, requester, requestId: request.requestId, acksAwaited, acked: 0 });
    const length = this.encoder.update(update);
    if (this.viaBroadcast) {
      this.env.broadcastPort().send(shootdownUpdateType, this.encoder.bytes, length);
      this.counters.updateBroadcastsSent++;
    } else {
      this.forward(length);
    }
  }

  private answer(requester: number, requestId: number, status: ReplyStatus, seq: number): void {
    if (requester === this.coreId) {
      this.finish({ requestId, status, seq });
      return;
    }
    this.env
      .portTo(requester)
      .send(shootdownReplyType, this.encoder.bytes, this.encoder.reply({ requestId, status, seq }));
    this.counters.repliesSent++;
  }

  // ---- Continue: every other core ---------------------------------------------------------------

  private updateReceived(fromCore: number, update: UpdateMessage): void {
    const expectedFrom = this.viaBroadcast ? this.home : this.route.parent;
    if (fromCore !== expectedFrom) {
      throw new Error(
        `shootdown: core ${this.coreId} got update ${update.seq} from core ${fromCore}, not ${expectedFrom}`,
      );
    }
    this.apply(update);
    const children = this.children;
    if (children.length === 0) {
      this.sendAck(fromCore, update.seq, 1);
      return;
    }
    if (this.relays.size >= this.relaysMax) {
      throw new Error(`shootdown: core ${this.coreId} relays more than ${this.relaysMax} updates`);
    }
    this.relays.set(update.seq, {
      seq: update.seq,
      parent: fromCore,
      childAcksAwaited: children.length,
      count: 1,
    });
    this.forward(this.encoder.update(update));
  }

  /** Writes the encoded update to each child, one after another. */
  private forward(length: number): void {
    for (const child of this.route.children) {
      this.env.portTo(child).send(shootdownUpdateType, this.encoder.bytes, length);
      this.counters.updatesSent++;
    }
  }

  /** Applies an update to the replica and drops its range from the TLB, in sequence order. */
  private apply(update: UpdateMessage): void {
    if (update.seq !== this.applied + 1) {
      throw new Error(
        `shootdown: core ${this.coreId} got update ${update.seq} after ${this.applied}: out of order`,
      );
    }
    this.applied = update.seq;
    this.counters.updatesApplied++;
    switch (update.kind) {
      case OpKind.map:
        this.replica.map(update.vaddrPage, update.pageCount, update.frame, update.rights, update.seq);
        break;
      case OpKind.unmap:
        this.replica.unmap(update.vaddrPage, update.pageCount);
        this.invalidateTlb(update.vaddrPage, update.pageCount);
        break;
      case OpKind.protect:
        this.replica.protect(update.vaddrPage, update.pageCount, update.rights, update.seq);
        this.invalidateTlb(update.vaddrPage, update.pageCount);
        break;
    }
  }

  /** Drops a range from the TLB and tells the platform (onTlbInvalidate). */
  private invalidateTlb(vaddrPage: number, pageCount: number): void {
    this.tlb.invalidate(vaddrPage, pageCount);
    this.onTlbInvalidate?.(vaddrPage, pageCount);
  }

  private sendAck(to: number, seq: number, count: number): void {
    this.env.portTo(to).send(shootdownAckType, this.encoder.bytes, this.encoder.ack({ seq, count }));
    this.counters.acksSent++;
  }

  // ---- Complete: acks up the tree, reply to the requester ----------------------------------------

  private ackReceived(fromCore: number, ack: AckMessage): void {
    if (this.failedPeers.size > 0) return;
    if (this.coreId === this.home) {
      const operation = this.homeOperations.get(ack.seq);
      if (operation === undefined)
        throw new Error(`shootdown: home got an ack for unknown update ${ack.seq} from core ${fromCore}`);
      operation.acked += ack.count;
      if (operation.acked > operation.acksAwaited) {
        throw new Error(
          `shootdown: update ${ack.seq} acknowledged by ${operation.acked} cores, only ${operation.acksAwaited} exist`,
        );
      }
      if (operation.acked < operation.acksAwaited) return;
      this.homeOperations.delete(ack.seq);
      this.answer(operation.requester, operation.requestId, ReplyStatus.ok, operation.seq);
      return;
    }
    const relay = this.relays.get(ack.seq);
    if (relay === undefined)
      throw new Error(`shootdown: core ${this.coreId} got an ack for unknown update ${ack.seq}`);
    relay.count += ack.count;
    relay.childAcksAwaited--;
    if (relay.childAcksAwaited > 0) return;
    this.relays.delete(ack.seq);
    this.sendAck(relay.parent, relay.seq, relay.count);
  }

  private replyReceived(fromCore: number, reply: ReplyMessage): void {
    if (fromCore !== this.home)
      throw new Error(`shootdown: core ${this.coreId} got a reply from core ${fromCore}, not the home`);
    this.finish(reply);
  }

  private finish(reply: ReplyMessage): void {
    const request = this.pending.get(reply.requestId);
    if (request === undefined && this.failedPeers.size > 0) return;
    if (request === undefined)
      throw new Error(`shootdown: core ${this.coreId} got a reply to unknown request ${reply.requestId}`);
    this.pending.delete(reply.requestId);
    if (this.env.activity !== undefined) this.env.activity.callsInFlight--;
    const error =
      reply.status === ReplyStatus.alreadyMapped
        ? new VmError(
            "already-mapped",
            `${request.description}: a page of the range was mapped first by a concurrent map`,
          )
        : reply.status === ReplyStatus.tableFull
          ? new VmError(
              "table-full",
              `${request.description}: more than mappedPagesMax=${mappedPagesMax} pages would be mapped`,
            )
          : undefined;
    this.completeRequest(request, reply.seq, error);
  }

  private completeRequest(request: PendingRequest, seq: number, error: VmError | undefined): void {
    this.onComplete?.({
      core: this.coreId,
      requestId: request.requestId,
      kind: opKindNames[request.kind],
      vaddr: request.vaddrPage * pageBytes,
      lengthBytes: request.pageCount * pageBytes,
      seq,
      error,
    });
    if (error === undefined) request.resolve();
    else request.reject(error);
  }
}
