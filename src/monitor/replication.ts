// The replicated object service: one monitor module per core, holding that core's replica of each
// replicated object and running the protocols that keep the replicas in agreement (the
// multikernel's third principle: replicate state, then agree on updates).
//
// An object is named and spans a set of cores; each of them creates it with the same name and
// definition (initial state, a deterministic `apply`, an optional `validate`, a codec). Reads are
// local. An update is split-phase: `update` returns a promise, the monitors run the protocol, and
// the promise settles when every replica is done with it. The object's home, its lowest core,
// orders every update (`seq` 1, 2, 3, ...) and runs one of two protocols (replication-messages.ts):
//   one-phase  request → home; the home gives the update the next seq, applies it, sends `apply`
//              to every other replica; each applies it and acks; once all have, the home replies.
//   two-phase  request → home; the home sends `prepare(seq)` to every other replica and prepares
//              itself: each runs `validate` and stages `apply` on its state as it stands after
//              update seq-1 (a staging that throws is a no) and votes; if every vote is yes the
//              home sends `commit` and each replica installs what it staged, else `abort` and each
//              drops it; each acks; once all have, the home replies (the lowest core that voted no
//              and its reason, on abort). An aborted update takes no seq.
// Why every replica applies the same updates in the same order: only the home gives out seqs; it
// sends `apply`, `prepare`, `commit` and `abort` to a replica over one FIFO channel in the order it
// decides them; and while a two-phase update is undecided the home sequences nothing else of that
// object (later requests wait in its queue), so that a replica's vote is on exactly the state the
// update would meet. A replica checks that each seq is the one after its last (an order violation
// throws). One-phase updates are pipelined: many may be in flight, each awaiting its acks.
// In-flight state is an explicit record on each side, each bounded by limits.ts: `PendingUpdate`
// at the requester, `HomeOperation` and the queue at the home, `Prepared` at a replica, and the
// buffer of messages for objects this core has not created yet. Nothing here waits without end
// by itself, but a replica that never creates the object, or a crashed core, stalls the updates
//
// The public types are in replication-api.ts (re-exported here), the in-flight records in
// replication-records.ts, a replica's state transitions in replication-replica.ts, the messages in
// replication-messages.ts; this file holds the service's entry points and the protocol's sides.

import type { CoreEnv } from "../cpu-driver/core-env.js";
import { MessageBuffer } from "../idl/index.js";
import { utf8Length } from "../idl/utf8.js";
import {
  pendingMessagesMax,
  replicatedObjectNameBytesMax,
  replicatedObjectsMax,
  updateBytesMax,
  updatesInFlightMax,
  voteReasonBytesMax,
} from "../limits.js";
import type { MonitorModule } from "./monitor-module.js";
import type {
  AppliedObserver,
  ReplicatedObject,
  ReplicatedObjectDefinition,
  ReplicationCounters,
  UpdateCodec,
  UpdateOptions,
  UpdateResult,
} from "./replication-api.js";
import { ReplicationError } from "./replication-error.js";
import { ModeCode, ReplyStatus, replicationInterface } from "./replication-messages.js";
import {
  type BufferedMessage,
  cutUtf8,
  type HomeOperation,
  jsonCodec,
  messageOf,
  modeCodeOf,
  type ObjectRecord,
  type PendingUpdate,
  type QueuedRequest,
  seqMax,
} from "./replication-records.js";
import { type ReplicaVote, replicaApply, replicaDecide, replicaPrepare } from "./replication-replica.js";

export type {
  AppliedObserver,
  ReplicatedObject,
  ReplicatedObjectDefinition,
  ReplicationCounters,
  ReplicationMode,
  UpdateCodec,
  UpdateOptions,
  UpdateResult,
} from "./replication-api.js";

export class ReplicationModule implements MonitorModule {
  readonly name = "replication";
  readonly counters: ReplicationCounters = {
    requestsSent: 0,
    appliesSent: 0,
    preparesSent: 0,
    votesSent: 0,
    decisionsSent: 0,
    acksSent: 0,
    repliesSent: 0,
    updatesApplied: 0,
    messagesBuffered: 0,
  };

  private readonly objects = new Map<string, ObjectRecord>();
  private readonly pending = new Map<number, PendingUpdate>();
  private buffered: BufferedMessage[] = [];
  private nextRequestId = 1;
  private readonly buf = new MessageBuffer();
  private readonly receiveMessage: (type: number, bytes: Uint8Array, length: number) => void;
  /** The message being handled: its sender and frame, for the handlers and for buffering. */
  private fromCore = -1;
  private frame: Uint8Array = new Uint8Array(0);
  private frameType = 0;
  /** Set while observers run: an update started from one is refused (it would reorder sends). */
  private notifying = false;

  constructor(private readonly env: CoreEnv) {
    this.receiveMessage = replicationInterface.dispatcher(
      {
        request: (name, requestId, mode, text) => this.requestReceived(name, requestId, mode, text),
        apply: (name, txn, seq, text) => this.applyReceived(name, txn, seq, text),
        prepare: (name, txn, seq, text) => this.prepareReceived(name, txn, seq, text),
        vote: (name, txn, yes, reason) => this.voteReceived(name, txn, yes, reason),
        commit: (name, txn) => this.decisionReceived(name, txn, true),
        abort: (name, txn) => this.decisionReceived(name, txn, false),
        ack: (name, txn) => this.ackReceived(name, txn),
        reply: (name, requestId, status, seq, core, reason) =>
          this.replyReceived(name, requestId, status, seq, core, reason),
      },
      `replication on core ${env.coreId}`,
    );
  }

  // ---- The service -----------------------------------------------------------------------------

  /** Creates this core's replica of `name`; every core in `definition.cores` must do the same. */
  create<T, U>(name: string, definition: ReplicatedObjectDefinition<T, U>): ReplicatedObject<T, U> {
    const where = `replication on core ${this.env.coreId}: create("${name}")`;
    if (typeof name !== "string" || name.length === 0) throw new Error(`${where}: the name is empty`);
    if (utf8Length(name) > replicatedObjectNameBytesMax) {
      throw new Error(
        `${where}: the name is over replicatedObjectNameBytesMax (${replicatedObjectNameBytesMax} bytes)`,
      );
    }
    if (this.objects.has(name)) throw new Error(`${where}: this core already has an object of that name`);
    if (this.objects.size >= replicatedObjectsMax) {
      throw new Error(
        `${where}: this core already holds replicatedObjectsMax (${replicatedObjectsMax}) objects`,
      );
    }
    if (typeof definition.apply !== "function") throw new Error(`${where}: apply is not a function`);
    if (definition.validate !== undefined && typeof definition.validate !== "function") {
      throw new Error(`${where}: validate is not a function`);
    }
    const cores = this.checkCores(where, definition.cores ?? this.env.coreIds);
    const home = cores[0]!;
    const record: ObjectRecord = {
      name,
      cores,
      home,
      others: cores.filter((core) => core !== home),
      apply: definition.apply as (state: unknown, update: unknown) => unknown,
      validate: definition.validate as ((state: unknown, update: unknown) => string | undefined) | undefined,
      codec: (definition.codec as UpdateCodec<unknown> | undefined) ?? jsonCodec,
      observers: new Set(),
      state: definition.initial,
      applied: 0,
      prepared: undefined,
      sequenced: 0,
      nextTxn: 1,
      operations: new Map(),
      deciding: undefined,
      queue: [],
    };
    this.objects.set(name, record);
    this.replayBuffered(name);
    return this.handleOf<T, U>(record);
  }

  /** This core's replica of `name` (local). Throws for an object this core does not hold. */
  read(name: string): unknown {
    return this.objectOf(name).state;
  }

  /** The seq of the last update this core's replica of `name` applied. */
  appliedSeq(name: string): number {
    return this.objectOf(name).applied;
  }

  /** Whether this core holds a replica of `name`. */
  has(name: string): boolean {
    return this.objects.has(name);
  }

  /** Runs `update` on every replica of `name`; resolves once every replica is done with it. */
  update(name: string, update: unknown, options: UpdateOptions): Promise<UpdateResult> {
    const object = this.objects.get(name);
    if (object === undefined) {
      return Promise.reject(
        new ReplicationError(
          "unknown-object",
          `replication on core ${this.env.coreId}: update of "${name}": this core holds no object of that name (create it first)`,
        ),
      );
    }
    return this.updateObject(object, update, options);
  }

  /** Adds an observer of this replica's applies of `name`; returns a function that removes it. */
  onApplied(name: string, observer: AppliedObserver<unknown, unknown>): () => void {
    const object = this.objectOf(name);
    object.observers.add(observer);
    return () => {
      object.observers.delete(observer);
    };
  }

  /** Updates this core asked for and that are not yet answered. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Messages held for objects this core has not created yet. */
  get bufferedCount(): number {
    return this.buffered.length;
  }

  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): boolean {
    if (!replicationInterface.owns(type)) return false;
    this.fromCore = fromCore;
    this.frameType = type;
    this.frame = bytes.subarray(0, length);
    this.receiveMessage(type, bytes, length);
    return true;
  }

  // ---- Requester -------------------------------------------------------------------------------

  private updateObject(object: ObjectRecord, update: unknown, options: UpdateOptions): Promise<UpdateResult> {
    const description = `replication on core ${this.env.coreId}: update of "${object.name}"`;
    const mode = modeCodeOf((options as Partial<UpdateOptions> | undefined)?.mode);
    if (mode === undefined) {
      const given = JSON.stringify((options as Partial<UpdateOptions> | undefined)?.mode);
      return Promise.reject(
        new ReplicationError(
          "bad-mode",
          `${description}: mode ${given} is neither "one-phase" nor "two-phase"`,
        ),
      );
    }
    let text: string;
    try {
      text = object.codec.encode(update);
    } catch (error) {
      return Promise.reject(
        new ReplicationError("bad-update", `${description}: the codec cannot encode it: ${messageOf(error)}`),
      );
    }
    if (typeof text !== "string") {
      return Promise.reject(
        new ReplicationError(
          "bad-update",
          `${description}: the codec encoded it as ${typeof text}, not a string`,
        ),
      );
    }
    const bytes = utf8Length(text);
    if (bytes > updateBytesMax) {
      return Promise.reject(
        new ReplicationError(
          "bad-update",
          `${description}: its encoding is ${bytes} bytes, over updateBytesMax (${updateBytesMax})`,
        ),
      );
    }
    if (this.notifying) {
      return Promise.reject(
        new ReplicationError(
          "refused",
          `${description}: called from inside an onApplied observer, which would reorder the protocol's sends (defer it, e.g. with queueMicrotask)`,
        ),
      );
    }
    if (this.pending.size >= updatesInFlightMax) {
      return Promise.reject(
        new ReplicationError(
          "busy",
          `${description}: this core already has updatesInFlightMax (${updatesInFlightMax}) updates in flight`,
        ),
      );
    }
    const requestId = this.takeRequestId();
    const result = new Promise<UpdateResult>((resolve, reject) => {
      this.pending.set(requestId, { requestId, object, description, resolve, reject });
    });
    // The requester's core keeps polling until the update settles (src/cpu-driver/cpu-driver.ts).
    if (this.env.activity !== undefined) this.env.activity.callsInFlight++;
    try {
      if (object.home === this.env.coreId) {
        this.homeRequestReceived(object, this.env.coreId, requestId, mode, text);
      } else {
        const n = replicationInterface.encode.request(this.buf, object.name, requestId, mode, text);
        this.env.portTo(object.home).send(replicationInterface.typeOf.request, this.buf.bytes, n);
        this.counters.requestsSent++;
      }
    } catch (error) {
      // The request never went out (a full port, say): forget it, so that nothing waits for it.
      if (this.pending.delete(requestId) && this.env.activity !== undefined)
        this.env.activity.callsInFlight--;
      throw error;
    }
    return result;
  }

  private takeRequestId(): number {
    // Request ids wrap at 32 bits; at most updatesInFlightMax are in use, so a free one is near.
    for (;;) {
      const id = this.nextRequestId;
      this.nextRequestId = this.nextRequestId >= seqMax ? 1 : this.nextRequestId + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  private replyReceived(
    name: string,
    requestId: number,
    status: number,
    seq: number,
    core: number,
    reason: string,
  ): void {
    const pending = this.pending.get(requestId);
    if (pending === undefined || pending.object.name !== name) {
      throw new Error(
        `replication: reply for "${name}" request ${requestId}, which this core is not waiting for`,
      );
    }
    if (this.fromCore !== pending.object.home) {
      throw new Error(
        `replication: reply for "${name}" from core ${this.fromCore}, not its home ${pending.object.home}`,
      );
    }
    this.settle(pending, status, seq, core, reason);
  }

  private settle(pending: PendingUpdate, status: number, seq: number, core: number, reason: string): void {
    this.pending.delete(pending.requestId);
    if (this.env.activity !== undefined) this.env.activity.callsInFlight--;
    switch (status) {
      case ReplyStatus.applied:
        pending.resolve({ seq });
        return;
      case ReplyStatus.votedNo:
        pending.reject(
          new ReplicationError(
            "voted-no",
            `${pending.description}: aborted, core ${core} voted no: ${reason}`,
            core,
            reason,
          ),
        );
        return;
      case ReplyStatus.busy:
        pending.reject(new ReplicationError("busy", `${pending.description}: ${reason}`));
        return;
      default:
        pending.reject(new ReplicationError("refused", `${pending.description}: ${reason}`));
    }
  }

  // ---- Home: sequencing and deciding -------------------------------------------------------------

  private requestReceived(name: string, requestId: number, mode: number, text: string): void {
    const object = this.objects.get(name);
    if (object === undefined) {
      if (!this.buffer(name)) {
        this.replySend(
          name,
          this.fromCore,
          requestId,
          ReplyStatus.refused,
          0,
          this.env.coreId,
          `core ${this.env.coreId} has not created "${name}" and its buffer of pendingMessagesMax (${pendingMessagesMax}) messages is full`,
        );
      }
      return;
    }
    this.homeRequestReceived(object, this.fromCore, requestId, mode, text);
  }

  private homeRequestReceived(
    object: ObjectRecord,
    requester: number,
    requestId: number,
    mode: number,
    text: string,
  ): void {
    const me = this.env.coreId;
    let refusal: string | undefined;
    if (object.home !== me)
      refusal = `core ${me} is not the home of "${object.name}" (core ${object.home} is)`;
    else if (!object.cores.includes(requester))
      refusal = `core ${requester} holds no replica of "${object.name}"`;
    else if (mode !== ModeCode.onePhase && mode !== ModeCode.twoPhase) refusal = `unknown mode code ${mode}`;
    if (refusal !== undefined) {
      this.replyTo(object, requester, requestId, ReplyStatus.refused, 0, me, refusal);
      return;
    }
    if (object.operations.size + object.queue.length >= updatesInFlightMax) {
      this.replyTo(
        object,
        requester,
        requestId,
        ReplyStatus.busy,
        0,
        me,
        `its home, core ${me}, already holds updatesInFlightMax (${updatesInFlightMax}) updates of it`,
      );
      return;
    }
    const request: QueuedRequest = { requester, requestId, mode, text };
    if (object.deciding !== undefined) object.queue.push(request);
    else this.sequence(object, request);
  }

  /** Starts `request` at the home: the next seq, then `apply` or `prepare` to every other replica. */
  private sequence(object: ObjectRecord, request: QueuedRequest): void {
    const me = this.env.coreId;
    const seq = object.sequenced + 1;
    if (seq > seqMax) {
      this.replyTo(
        object,
        request.requester,
        request.requestId,
        ReplyStatus.refused,
        0,
        me,
        `"${object.name}" has used up its ${seqMax} sequence numbers`,
      );
      return;
    }
    const txn = object.nextTxn;
    object.nextTxn = object.nextTxn >= seqMax ? 1 : object.nextTxn + 1;
    const operation: HomeOperation = {
      txn,
      seq,
      requester: request.requester,
      requestId: request.requestId,
      phase: "acking",
      votesAwaited: 0,
      acksAwaited: object.others.length,
      noCore: undefined,
      noReason: "",
    };
    object.operations.set(txn, operation);
    if (request.mode === ModeCode.onePhase) {
      object.sequenced = seq;
      this.applyLocal(object, seq, this.decode(object, request.text));
      this.fanOut(
        object,
        replicationInterface.typeOf.apply,
        replicationInterface.encode.apply(this.buf, object.name, txn, seq, request.text),
      );
      this.counters.appliesSent += object.others.length;
      if (operation.acksAwaited === 0) this.complete(object, operation);
      return;
    }
    operation.phase = "voting";
    operation.votesAwaited = object.others.length;
    object.deciding = txn;
    const vote = this.prepareLocal(object, txn, seq, request.text);
    if (!vote.yes) {
      operation.noCore = me;
      operation.noReason = vote.reason;
    }
    this.fanOut(
      object,
      replicationInterface.typeOf.prepare,
      replicationInterface.encode.prepare(this.buf, object.name, txn, seq, request.text),
    );
    this.counters.preparesSent += object.others.length;
    if (operation.votesAwaited === 0) this.decide(object, operation);
  }

  private voteReceived(name: string, txn: number, yes: boolean, reason: string): void {
    const object = this.homeObjectOf(name, "vote");
    const operation = object.operations.get(txn);
    if (operation === undefined || operation.phase !== "voting" || operation.votesAwaited === 0) {
      throw new Error(
        `replication: vote on "${name}" txn ${txn} from core ${this.fromCore}, which is not being voted on`,
      );
    }
    operation.votesAwaited--;
    if (!yes && (operation.noCore === undefined || this.fromCore < operation.noCore)) {
      operation.noCore = this.fromCore;
      operation.noReason = reason;
    }
    if (operation.votesAwaited === 0) this.decide(object, operation);
  }

  /** Every vote is in: commit or abort everywhere, then sequence what queued meanwhile. */
  private decide(object: ObjectRecord, operation: HomeOperation): void {
    const commit = operation.noCore === undefined;
    if (commit) object.sequenced = operation.seq;
    this.decisionLocal(object, operation.txn, commit);
    const type = commit ? replicationInterface.typeOf.commit : replicationInterface.typeOf.abort;
    const n = commit
      ? replicationInterface.encode.commit(this.buf, object.name, operation.txn)
      : replicationInterface.encode.abort(this.buf, object.name, operation.txn);
    this.fanOut(object, type, n);
    this.counters.decisionsSent += object.others.length;
    operation.phase = "acking";
    object.deciding = undefined;
    if (operation.acksAwaited === 0) this.complete(object, operation);
    // The decision went out first on every channel, so what is sequenced now follows it everywhere.
    // (A two-phase update with no other replica decides at once, inside `sequence`, and drains too.)
    while (object.deciding === undefined && object.queue.length > 0)
      this.sequence(object, object.queue.shift()!);
  }

  private ackReceived(name: string, txn: number): void {
    const object = this.homeObjectOf(name, "ack");
    const operation = object.operations.get(txn);
    if (operation === undefined || operation.phase !== "acking" || operation.acksAwaited === 0) {
      throw new Error(
        `replication: ack of "${name}" txn ${txn} from core ${this.fromCore}, which awaits none`,
      );
    }
    operation.acksAwaited--;
    if (operation.acksAwaited === 0) this.complete(object, operation);
  }

  /** Every replica is done with `operation`: answer its requester. */
  private complete(object: ObjectRecord, operation: HomeOperation): void {
    object.operations.delete(operation.txn);
    if (operation.noCore === undefined) {
      this.replyTo(
        object,
        operation.requester,
        operation.requestId,
        ReplyStatus.applied,
        operation.seq,
        0,
        "",
      );
    } else {
      this.replyTo(
        object,
        operation.requester,
        operation.requestId,
        ReplyStatus.votedNo,
        0,
        operation.noCore,
        operation.noReason,
      );
    }
  }

  private replyTo(
    object: ObjectRecord,
    requester: number,
    requestId: number,
    status: ReplyStatus,
    seq: number,
    core: number,
    reason: string,
  ): void {
    if (requester === this.env.coreId) {
      const pending = this.pending.get(requestId);
      if (pending === undefined)
        throw new Error(`replication: no local request ${requestId} of "${object.name}"`);
      this.settle(pending, status, seq, core, reason);
      return;
    }
    this.replySend(object.name, requester, requestId, status, seq, core, reason);
  }

  private replySend(
    name: string,
    requester: number,
    requestId: number,
    status: ReplyStatus,
    seq: number,
    core: number,
    reason: string,
  ): void {
    const n = replicationInterface.encode.reply(
      this.buf,
      name,
      requestId,
      status,
      seq,
      core,
      cutUtf8(reason, voteReasonBytesMax),
    );
    this.env.portTo(requester).send(replicationInterface.typeOf.reply, this.buf.bytes, n);
    this.counters.repliesSent++;
  }

  /** Sends the message encoded in `this.buf` to every replica but the home. */
  private fanOut(object: ObjectRecord, type: number, length: number): void {
    for (const core of object.others) this.env.portTo(core).send(type, this.buf.bytes, length);
  }

  // ---- Replica -----------------------------------------------------------------------------------

  private applyReceived(name: string, txn: number, seq: number, text: string): void {
    const object = this.replicaObjectOf(name, "apply");
    if (object === undefined) return;
    if (object.prepared !== undefined) {
      throw new Error(
        `replication: "${name}" apply seq ${seq} while txn ${object.prepared.txn} is undecided`,
      );
    }
    this.applyLocal(object, seq, this.decode(object, text));
    this.ackSend(object, txn);
  }

  private prepareReceived(name: string, txn: number, seq: number, text: string): void {
    const object = this.replicaObjectOf(name, "prepare");
    if (object === undefined) return;
    const vote = this.prepareLocal(object, txn, seq, text);
    const n = replicationInterface.encode.vote(
      this.buf,
      name,
      txn,
      vote.yes,
      cutUtf8(vote.reason, voteReasonBytesMax),
    );
    this.env.portTo(object.home).send(replicationInterface.typeOf.vote, this.buf.bytes, n);
    this.counters.votesSent++;
  }

  private decisionReceived(name: string, txn: number, commit: boolean): void {
    const object = this.replicaObjectOf(name, commit ? "commit" : "abort");
    if (object === undefined) return;
    this.decisionLocal(object, txn, commit);
    this.ackSend(object, txn);
  }

  private ackSend(object: ObjectRecord, txn: number): void {
    const n = replicationInterface.encode.ack(this.buf, object.name, txn);
    this.env.portTo(object.home).send(replicationInterface.typeOf.ack, this.buf.bytes, n);
    this.counters.acksSent++;
  }

  /** Applies update `seq` to this replica; it must be the next in order. */
  private applyLocal(object: ObjectRecord, seq: number, update: unknown): void {
    const thrown = replicaApply(object, this.env.coreId, seq, update);
    // apply is deterministic, so it threw on every replica alike: the update leaves the state as it was.
    if (thrown !== undefined)
      this.env.log(`replication: "${object.name}" update ${seq}: apply threw, state unchanged: ${thrown}`);
    this.applied(object, seq, update);
  }

  /** Votes on update `seq` (replication-replica.ts). */
  private prepareLocal(object: ObjectRecord, txn: number, seq: number, text: string): ReplicaVote {
    return replicaPrepare(object, this.env.coreId, txn, seq, text);
  }

  /** Installs (commit) or drops (abort) what this replica prepared for `txn`. */
  private decisionLocal(object: ObjectRecord, txn: number, commit: boolean): void {
    const installed = replicaDecide(object, this.env.coreId, txn, commit);
    if (installed !== undefined) this.applied(object, installed.seq, installed.update);
  }

  private applied(object: ObjectRecord, seq: number, update: unknown): void {
    object.applied = seq;
    this.counters.updatesApplied++;
    if (object.observers.size === 0) return;
    this.notifying = true;
    try {
      for (const observer of object.observers) observer(seq, update, object.state);
    } finally {
      this.notifying = false;
    }
  }

  private decode(object: ObjectRecord, text: string): unknown {
    try {
      return object.codec.decode(text);
    } catch (error) {
      // As a throwing apply: every replica decodes the same text alike, so none changes its state.
      this.env.log(`replication: "${object.name}": the codec cannot decode an update: ${messageOf(error)}`);
      return undefined;
    }
  }

  // ---- Objects and the buffer of early messages --------------------------------------------------

  private checkCores(where: string, cores: readonly number[]): readonly number[] {
    if (!Array.isArray(cores) || cores.length === 0)
      throw new Error(`${where}: cores must be a non-empty array`);
    const sorted = [...cores].sort((a, b) => a - b);
    for (let i = 0; i < sorted.length; i++) {
      const core = sorted[i]!;
      if (!this.env.coreIds.includes(core)) throw new Error(`${where}: core ${core} is not booted`);
      if (i > 0 && sorted[i - 1] === core) throw new Error(`${where}: core ${core} is listed twice`);
    }
    if (!sorted.includes(this.env.coreId)) {
      throw new Error(
        `${where}: this core (${this.env.coreId}) is not one of the object's cores ${sorted.join(",")}`,
      );
    }
    return Object.freeze(sorted);
  }

  private objectOf(name: string): ObjectRecord {
    const object = this.objects.get(name);
    if (object === undefined) {
      throw new ReplicationError(
        "unknown-object",
        `replication on core ${this.env.coreId}: this core holds no object named "${name}"`,
      );
    }
    return object;
  }

  /** The object a message from its home is about, or undefined once the message is buffered. */
  private replicaObjectOf(name: string, what: string): ObjectRecord | undefined {
    const object = this.objects.get(name);
    if (object === undefined) {
      if (!this.buffer(name)) {
        throw new Error(
          `replication: core ${this.env.coreId} has not created "${name}" and its buffer of pendingMessagesMax (${pendingMessagesMax}) messages is full: ${what} from core ${this.fromCore} dropped`,
        );
      }
      return undefined;
    }
    if (this.fromCore !== object.home) {
      throw new Error(
        `replication: "${name}" ${what} from core ${this.fromCore}, not its home ${object.home} (do the cores agree on the object's cores?)`,
      );
    }
    return object;
  }

  /** The object a vote or ack is about; it reaches the home only after the home sequenced. */
  private homeObjectOf(name: string, what: string): ObjectRecord {
    const object = this.objects.get(name);
    if (object === undefined || object.home !== this.env.coreId) {
      throw new Error(
        `replication: ${what} for "${name}" from core ${this.fromCore}, but core ${this.env.coreId} is not its home`,
      );
    }
    return object;
  }

  /** Keeps the message being handled until `name` is created; false when the buffer is full. */
  private buffer(name: string): boolean {
    if (this.buffered.length >= pendingMessagesMax) return false;
    this.buffered.push({ name, fromCore: this.fromCore, type: this.frameType, bytes: this.frame.slice() });
    this.counters.messagesBuffered++;
    return true;
  }

  /** Handles, in their order of arrival, the messages kept for `name`. */
  private replayBuffered(name: string): void {
    const mine = this.buffered.filter((message) => message.name === name);
    if (mine.length === 0) return;
    this.buffered = this.buffered.filter((message) => message.name !== name);
    for (const message of mine) {
      // As the monitor does for a message off the channel: one that fails is logged and dropped.
      try {
        this.receive(message.fromCore, message.type, message.bytes, message.bytes.length);
      } catch (error) {
        this.env.log(
          `replication: buffered message type 0x${message.type.toString(16)} from core ${message.fromCore} for "${name}" failed: ${messageOf(error)}`,
        );
      }
    }
  }

  private handleOf<T, U>(object: ObjectRecord): ReplicatedObject<T, U> {
    return Object.freeze({
      name: object.name,
      cores: object.cores,
      home: object.home,
      read: (): T => object.state as T,
      get appliedSeq(): number {
        return object.applied;
      },
      update: (update: U, options: UpdateOptions): Promise<UpdateResult> =>
        this.updateObject(object, update, options),
      onApplied: (observer: AppliedObserver<T, U>): (() => void) => {
        const untyped = observer as AppliedObserver<unknown, unknown>;
        object.observers.add(untyped);
        return () => {
          object.observers.delete(untyped);
        };
      },
    });
  }
}
