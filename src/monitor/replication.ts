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
// by itself, but a replica that never creates the object stalls the updates that need it.
//
// Failed cores. The model is crash-stop (the paper's, and the failure detector's: liveness.ts): a
// core declared failed never acts again, so its state no longer matters and nobody may wait for
// it. The monitor tells this module (`peerCoreFailed`), on each core in its own time:
//   a replica failed   it leaves the membership of every object it held, for good: at the home, no
//                      vote or ack is awaited from it any more, so an update waiting only for it
//                      completes on the live replicas, in both modes (a two-phase update is decided
//                      on the live replicas' votes: the failed one's vote counted only for its own
//                      replica, which is gone), and nothing more is sent to it. The guarantees hold
//                      among the live replicas. A request from it is refused, a reply to it not sent.
//   the home failed    nothing can order updates any more (no failover): the object is declared
//                      failed on this core, each update this core awaits rejects `failed` naming
//                      the home (its fate is unknown: some replicas may have applied it), and so
//                      does every later update.
// Messages that arrive from a core after it was declared failed (possible only where the detector
// suspected a live core) are dropped unread and counted; so are those buffered from it.
//
// Released objects. A domain's objects are named in its scope (`domain<id>/...`, dispatcher.ts);
// when the domain ends, each core's dispatcher calls `releaseScope`, and that core forgets every
// object of the scope (its record, at the home its sequencer) and the messages it buffered for
// them, so that a long run of domains never fills replicatedObjectsMax or the buffer. An update
// in flight on a released object rejects at once: at this core `released`; a remote requester
// of one the home held is answered `failed`, naming the release. The cores release in their own
// time, so messages keep arriving for a scope after it ended here: each core remembers the last
// releasedScopesMax ended scopes and drops their messages unread (counted), rather than buffering
// them as early or failing on them. Creating an object in an ended scope lifts it (a dispatcher
// made again with the same domain id; the spawn module never reuses one).
//
// User code cannot wedge the protocol. `apply`, `validate`, `digest`, the codec and the onApplied
// observers may throw anything (a non-Error, a value whose toString throws); each call is
// contained where it is made, reported in the core's log (messageOf never throws), and every
// message the protocol owes is still sent, so every update settles:
//   observer   runs after the state changed and cannot undo it: logged and counted, the other
//              observers still run, the update goes on and resolves as if nothing had thrown.
//   validate   (two-phase) a no vote, "validate threw: ..."; nothing is applied anywhere.
//   apply      two-phase: staging that throws is a no vote, nothing applied anywhere. One-phase:
//              the state stays as it was and the update keeps its seq; the replica's ack says it
//              threw. If every replica threw alike, the update rejects `apply-failed` (naming the
//              home) and the object stays usable; if some threw and others did not, the update
//              rejects `diverged` naming the lowest replica that differs, and the object is failed.
//   decode     at the home, a one-phase update it cannot decode is refused (`bad-update`) before
//              it takes a seq; a two-phase one is a no vote; on a replica only, a divergence.
// Divergence: each replica sends the digest of its state (replication-digest.ts) in every ack, and
// of its staged state in every yes vote. The home compares each with its own: a staged digest that
// differs is a no vote (the update aborts everywhere and the replicas stay equal); an ack that
// differs (or an apply that threw on one side only) declares the object failed. The home then
// sends `fail` to every other replica; on each, the object's `failure` says why and every later
// update rejects `failed` at once. Updates already in flight run to their end (so each is
// answered) and reject `failed` (or `diverged`, the one that showed it). A failed object is never
// repaired: its replicas may differ, so reads are only this replica's view.
//
// The public types are in replication-api.ts (re-exported here), the in-flight records in
// replication-records.ts, a replica's state transitions in replication-replica.ts, the messages in
// replication-messages.ts, the checks of definitions and updates in replication-checks.ts, digests
// in replication-digest.ts, the home's judgement of acks and its reply in replication-outcome.ts;
// this file holds the service's entry points and the protocol's sides.

import type { CoreEnv } from "../cpu-driver/core-env.js";
import { MessageBuffer } from "../idl/index.js";
import { utf8Length } from "../idl/utf8.js";
import {
  pendingMessagesMax,
  releasedScopesMax,
  replicatedObjectNameBytesMax,
  replicatedObjectsMax,
  updatesInFlightMax,
  voteReasonBytesMax,
} from "../limits.js";
import type { MonitorModule } from "./monitor-module.js";
import type {
  AppliedObserver,
  ReplicatedObject,
  ReplicatedObjectDefinition,
  ReplicationCounters,
  UpdateOptions,
  UpdateResult,
} from "./replication-api.js";
import { checkCores, encodeUpdate, objectRecordOf } from "./replication-checks.js";
import { digestsDiffer, noDigest, stateDigest } from "./replication-digest.js";
import { ReplicationError } from "./replication-error.js";
import { ModeCode, ReplyStatus, replicationInterface } from "./replication-messages.js";
import { ackDifference, errorOfReply, hex, outcomeOf } from "./replication-outcome.js";
import {
  type BufferedMessage,
  cutUtf8,
  type HomeOperation,
  messageOf,
  type ObjectRecord,
  type PendingUpdate,
  type QueuedRequest,
  seqMax,
} from "./replication-records.js";
import {
  type ReplicaVote,
  replicaApply,
  replicaDecide,
  replicaPrepare,
  replicaSkip,
} from "./replication-replica.js";

/** An update decoded, or what the codec threw. */
type Decoded =
  | { readonly ok: true; readonly update: unknown }
  | { readonly ok: false; readonly message: string };

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
    observersFailed: 0,
    failuresSent: 0,
    messagesFromFailedDropped: 0,
    objectsReleased: 0,
    messagesForReleasedDropped: 0,
  };

  private readonly objects = new Map<string, ObjectRecord>();
  /** Cores declared failed (crash-stop: for good), and why. */
  private readonly failedCores = new Set<number>();
  private readonly failureReasons = new Map<number, string>();
  private readonly pending = new Map<number, PendingUpdate>();
  private buffered: BufferedMessage[] = [];
  /** Scopes released here, oldest first (releasedScopesMax): their late messages are dropped. */
  private readonly releasedScopes = new Set<string>();
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
        vote: (name, txn, yes, reason, digest) => this.voteReceived(name, txn, yes, reason, digest),
        commit: (name, txn) => this.decisionReceived(name, txn, true),
        abort: (name, txn) => this.decisionReceived(name, txn, false),
        ack: (name, txn, threw, digest, reason) => this.ackReceived(name, txn, threw, digest, reason),
        reply: (name, requestId, status, seq, core, reason) =>
          this.replyReceived(name, requestId, status, seq, core, reason),
        fail: (name, reason) => this.failReceived(name, reason),
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
    const cores = checkCores(where, definition.cores ?? this.env.coreIds, this.env.coreIds, this.env.coreId);
    const record = objectRecordOf(where, name, definition, cores);
    for (const scope of this.releasedScopes) if (name.startsWith(scope)) this.releasedScopes.delete(scope);
    this.objects.set(name, record);
    // Cores declared failed before this create are out of the object from its start.
    for (const failed of this.failedCores)
      this.membersFailed(record, failed, this.failureReasons.get(failed)!);
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

  /** Why this core's replica of `name` is failed (its replicas diverged), or undefined. */
  failureOf(name: string): string | undefined {
    return this.objectOf(name).failure;
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

  /** Objects this core holds a replica of. */
  get objectCount(): number {
    return this.objects.size;
  }

  /**
   * Releases this core's replica of every object named in `scope` (a prefix: `domain<id>/`), as
   * its domain ended here, and the messages buffered for them; `reason` says why, in the errors of
   * the updates this rejects. Returns how many objects were released. See the file comment.
   */
  releaseScope(scope: string, reason: string): number {
    if (typeof scope !== "string" || scope.length === 0)
      throw new Error(`replication on core ${this.env.coreId}: releaseScope: the scope is empty`);
    this.releasedScopes.delete(scope);
    this.releasedScopes.add(scope);
    if (this.releasedScopes.size > releasedScopesMax)
      this.releasedScopes.delete(this.releasedScopes.values().next().value!);
    let released = 0;
    for (const object of [...this.objects.values()]) {
      if (!object.name.startsWith(scope)) continue;
      this.releaseObject(object, reason);
      released++;
    }
    const before = this.buffered.length;
    this.buffered = this.buffered.filter((message) => !message.name.startsWith(scope));
    this.counters.messagesForReleasedDropped += before - this.buffered.length;
    return released;
  }

  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): boolean {
    if (!replicationInterface.owns(type)) return false;
    this.fromCore = fromCore;
    this.frameType = type;
    this.frame = bytes.subarray(0, length);
    this.receiveMessage(type, bytes, length);
    return true;
  }

  /**
   * Core `coreId` was declared failed (monitor.ts fans it out): it leaves every object it was a
   * replica of; what waited for it settles (see the file comment, "Failed cores").
   */
  peerCoreFailed(coreId: number, reason: string): void {
    if (coreId === this.env.coreId || this.failedCores.has(coreId)) return;
    this.failedCores.add(coreId);
    this.failureReasons.set(coreId, reason);
    const before = this.buffered.length;
    this.buffered = this.buffered.filter((message) => message.fromCore !== coreId);
    this.counters.messagesFromFailedDropped += before - this.buffered.length;
    for (const object of this.objects.values()) this.membersFailed(object, coreId, reason);
  }

  // ---- Released objects ---------------------------------------------------------------------------

  /** Forgets `object` here; its updates in flight reject (file comment, "Released objects"). */
  private releaseObject(object: ObjectRecord, reason: string): void {
    const me = this.env.coreId;
    this.objects.delete(object.name);
    object.released = reason;
    object.prepared = undefined;
    this.counters.objectsReleased++;
    // At the home: every remote requester of an update it holds is answered now.
    const held: { requester: number; requestId: number }[] = [...object.operations.values(), ...object.queue];
    object.operations.clear();
    object.queue.length = 0;
    object.deciding = undefined;
    for (const { requester, requestId } of held) {
      if (requester === me) continue;
      const why = `"${object.name}" was released on its home, core ${me}, before the update settled: ${reason}`;
      this.replySend(object.name, requester, requestId, ReplyStatus.failed, 0, me, why);
    }
    for (const pending of [...this.pending.values()]) {
      if (pending.object !== object) continue;
      this.rejectPending(
        pending,
        new ReplicationError(
          "released",
          `${pending.description}: the object was released on core ${me} before the update settled (${reason}); whether it reached other replicas is unknown`,
        ),
      );
    }
  }

  /** Whether `name` is in a scope released here: the message being handled is then dropped. */
  private droppedAsReleased(name: string): boolean {
    for (const scope of this.releasedScopes) {
      if (!name.startsWith(scope)) continue;
      this.counters.messagesForReleasedDropped++;
      return true;
    }
    return false;
  }

  // ---- Failed cores ------------------------------------------------------------------------------

  /** `object` learns that `core` failed: its home failed (the object is failed), or a replica did. */
  private membersFailed(object: ObjectRecord, core: number, reason: string): void {
    if (!object.cores.includes(core)) return;
    object.others = object.others.filter((other) => other !== core);
    if (core === object.home) this.homeFailed(object, core, reason);
    else if (object.home === this.env.coreId) this.replicaFailedAtHome(object, core);
  }

  /** The home failed: the object is failed here, and every update this core awaits rejects. */
  private homeFailed(object: ObjectRecord, home: number, reason: string): void {
    object.prepared = undefined;
    if (object.failure === undefined) object.failedHome = home;
    this.declareFailed(object, `its home, core ${home}, failed: ${reason}`);
    for (const pending of [...this.pending.values()]) {
      if (pending.object !== object) continue;
      this.rejectPending(
        pending,
        new ReplicationError(
          "failed",
          `${pending.description}: its home, core ${home}, failed (${reason}) before answering; the object is now failed, and whether the update reached any replica is unknown`,
          home,
          reason,
        ),
      );
    }
  }

  /** At the home: a replica failed; no vote or ack is awaited from it any more. */
  private replicaFailedAtHome(object: ObjectRecord, core: number): void {
    for (const operation of [...object.operations.values()]) {
      if (object.operations.get(operation.txn) !== operation) continue;
      operation.acksAwaited.delete(core);
      if (operation.phase === "voting") {
        if (operation.votesAwaited.delete(core) && operation.votesAwaited.size === 0)
          this.decide(object, operation);
      } else if (operation.acksAwaited.size === 0) this.complete(object, operation);
    }
  }

  /** Whether the message being handled comes from a core declared failed: it is then dropped. */
  private fromFailedCore(): boolean {
    if (!this.failedCores.has(this.fromCore)) return false;
    this.counters.messagesFromFailedDropped++;
    return true;
  }

  // ---- Requester -------------------------------------------------------------------------------

  private updateObject(object: ObjectRecord, update: unknown, options: UpdateOptions): Promise<UpdateResult> {
    const description = `replication on core ${this.env.coreId}: update of "${object.name}"`;
    const encoded = encodeUpdate(description, object.codec, update, options);
    if (encoded instanceof ReplicationError) return Promise.reject(encoded);
    const { mode, text } = encoded;
    if (object.released !== undefined) {
      return Promise.reject(
        new ReplicationError("released", `${description}: the object was released: ${object.released}`),
      );
    }
    if (object.failure !== undefined) {
      return Promise.reject(
        new ReplicationError(
          "failed",
          `${description}: the object is failed: ${object.failure}`,
          object.failedHome,
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
      if (this.droppedAsReleased(name)) return;
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
    if (status === ReplyStatus.applied) pending.resolve({ seq });
    else pending.reject(errorOfReply(pending.description, status, seq, core, reason));
  }

  /** Rejects a pending update at once (its home failed). */
  private rejectPending(pending: PendingUpdate, error: ReplicationError): void {
    this.pending.delete(pending.requestId);
    if (this.env.activity !== undefined) this.env.activity.callsInFlight--;
    pending.reject(error);
  }

  // ---- Home: sequencing and deciding -------------------------------------------------------------

  private requestReceived(name: string, requestId: number, mode: number, text: string): void {
    const object = this.objects.get(name);
    if (object === undefined) {
      if (this.fromFailedCore() || this.droppedAsReleased(name)) return;
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
    else if (this.failedCores.has(requester))
      refusal = `core ${requester} was declared failed and holds no replica of "${object.name}" any more`;
    else if (mode !== ModeCode.onePhase && mode !== ModeCode.twoPhase) refusal = `unknown mode code ${mode}`;
    if (refusal !== undefined) {
      this.replyTo(object, requester, requestId, ReplyStatus.refused, 0, me, refusal);
      return;
    }
    if (object.failure !== undefined) {
      this.replyTo(object, requester, requestId, ReplyStatus.failed, 0, me, object.failure);
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
    const refusal = this.sequenceRefusal(object);
    if (refusal !== undefined) {
      const [status, reason] = refusal;
      this.replyTo(object, request.requester, request.requestId, status, 0, this.env.coreId, reason);
      return;
    }
    if (request.mode === ModeCode.twoPhase) {
      this.sequenceTwoPhase(object, this.openOperation(object, request), request.text);
      return;
    }
    // One-phase: an update the home cannot decode is refused before it takes a seq.
    const decoded = this.decode(object, request.text);
    if (!decoded.ok) {
      const reason = `its home, core ${this.env.coreId}, cannot decode it: ${decoded.message}`;
      this.replyTo(object, request.requester, request.requestId, ReplyStatus.badUpdate, 0, 0, reason);
      return;
    }
    this.sequenceOnePhase(object, this.openOperation(object, request), decoded.update, request.text);
  }

  /** Why the home cannot sequence `request` now (a failed object, no seq left), or undefined. */
  private sequenceRefusal(object: ObjectRecord): [ReplyStatus, string] | undefined {
    // A request queued behind a two-phase update may meet a failure declared meanwhile.
    if (object.failure !== undefined) return [ReplyStatus.failed, object.failure];
    if (object.sequenced + 1 > seqMax)
      return [ReplyStatus.refused, `"${object.name}" has used up its ${seqMax} sequence numbers`];
    return undefined;
  }

  /** A new operation for `request`, with the next txn, at seq `sequenced + 1`. */
  private openOperation(object: ObjectRecord, request: QueuedRequest): HomeOperation {
    const txn = object.nextTxn;
    object.nextTxn = object.nextTxn >= seqMax ? 1 : object.nextTxn + 1;
    const operation: HomeOperation = {
      txn,
      seq: object.sequenced + 1,
      requester: request.requester,
      requestId: request.requestId,
      phase: "acking",
      votesAwaited: new Set(),
      acksAwaited: new Set(object.others),
      noCore: undefined,
      noReason: "",
      homeThrew: undefined,
      homeDigest: noDigest,
      differCore: undefined,
      differReason: "",
    };
    object.operations.set(txn, operation);
    return operation;
  }

  /** One-phase at the home: apply here (what it threw, the digest after), send `apply`. */
  private sequenceOnePhase(
    object: ObjectRecord,
    operation: HomeOperation,
    update: unknown,
    text: string,
  ): void {
    object.sequenced = operation.seq;
    operation.homeThrew = this.applyLocal(object, operation.seq, update);
    operation.homeDigest = this.digestHere(object);
    this.fanOut(
      object,
      replicationInterface.typeOf.apply,
      replicationInterface.encode.apply(this.buf, object.name, operation.txn, operation.seq, text),
    );
    this.counters.appliesSent += object.others.length;
    if (operation.acksAwaited.size === 0) this.complete(object, operation);
  }

  /** Two-phase at the home: prepare here (the home's vote and staged digest), send `prepare`. */
  private sequenceTwoPhase(object: ObjectRecord, operation: HomeOperation, text: string): void {
    operation.phase = "voting";
    for (const core of object.others) operation.votesAwaited.add(core);
    object.deciding = operation.txn;
    const vote = this.prepareLocal(object, operation.txn, operation.seq, text);
    if (vote.yes) operation.homeDigest = this.digestHere(object, object.prepared?.staged);
    else {
      operation.noCore = this.env.coreId;
      operation.noReason = vote.reason;
    }
    this.fanOut(
      object,
      replicationInterface.typeOf.prepare,
      replicationInterface.encode.prepare(this.buf, object.name, operation.txn, operation.seq, text),
    );
    this.counters.preparesSent += object.others.length;
    if (operation.votesAwaited.size === 0) this.decide(object, operation);
  }

  private voteReceived(name: string, txn: number, yes: boolean, reason: string, digest: number): void {
    if (this.fromFailedCore()) return;
    const object = this.homeObjectOf(name, "vote");
    if (object === undefined) return;
    const operation = object.operations.get(txn);
    if (operation?.phase !== "voting" || !operation.votesAwaited.delete(this.fromCore)) {
      throw new Error(
        `replication: vote on "${name}" txn ${txn} from core ${this.fromCore}, which is not being voted on or has voted`,
      );
    }
    // A yes whose staged state differs from the home's would make the replicas diverge: a no.
    if (yes && digestsDiffer(digest, operation.homeDigest)) {
      yes = false;
      reason = `its state after the update would differ from the home's (digest ${hex(digest)}, the home's ${hex(operation.homeDigest)}): is apply deterministic, and were the states equal?`;
    }
    if (!yes && (operation.noCore === undefined || this.fromCore < operation.noCore)) {
      operation.noCore = this.fromCore;
      operation.noReason = reason;
    }
    if (operation.votesAwaited.size === 0) this.decide(object, operation);
  }

  /** Every vote is in: commit or abort everywhere, then sequence what queued meanwhile. */
  private decide(object: ObjectRecord, operation: HomeOperation): void {
    const commit = operation.noCore === undefined;
    if (commit) object.sequenced = operation.seq;
    this.decisionLocal(object, operation.txn, commit);
    operation.homeDigest = this.digestHere(object);
    const type = commit ? replicationInterface.typeOf.commit : replicationInterface.typeOf.abort;
    const n = commit
      ? replicationInterface.encode.commit(this.buf, object.name, operation.txn)
      : replicationInterface.encode.abort(this.buf, object.name, operation.txn);
    this.fanOut(object, type, n);
    this.counters.decisionsSent += object.others.length;
    operation.phase = "acking";
    object.deciding = undefined;
    if (operation.acksAwaited.size === 0) this.complete(object, operation);
    // The decision went out first on every channel, so what is sequenced now follows it everywhere.
    // (A two-phase update with no other replica decides at once, inside `sequence`, and drains too.)
    while (object.deciding === undefined && object.queue.length > 0)
      this.sequence(object, object.queue.shift()!);
  }

  private ackReceived(name: string, txn: number, threw: boolean, digest: number, reason: string): void {
    if (this.fromFailedCore()) return;
    const object = this.homeObjectOf(name, "ack");
    if (object === undefined) return;
    const operation = object.operations.get(txn);
    if (operation?.phase !== "acking" || !operation.acksAwaited.delete(this.fromCore)) {
      throw new Error(
        `replication: ack of "${name}" txn ${txn} from core ${this.fromCore}, which awaits none from it`,
      );
    }
    const differs = ackDifference(operation, threw, digest, reason);
    if (differs !== undefined) {
      if (operation.differCore === undefined || this.fromCore < operation.differCore) {
        operation.differCore = this.fromCore;
        operation.differReason = differs;
      }
      this.declareFailed(
        object,
        `core ${this.fromCore}'s replica diverged from the home's at update ${operation.seq}: ${differs}`,
      );
    }
    if (operation.acksAwaited.size === 0) this.complete(object, operation);
  }

  /** Every replica is done with `operation`: answer its requester. */
  private complete(object: ObjectRecord, operation: HomeOperation): void {
    object.operations.delete(operation.txn);
    const [status, core, reason] = outcomeOf(object, operation, this.env.coreId);
    const seq = status === ReplyStatus.votedNo ? 0 : operation.seq;
    this.replyTo(object, operation.requester, operation.requestId, status, seq, core, reason);
  }

  /**
   * Declares `object` failed, here and (at the home) on every other replica; the first reason
   * stands. Updates in flight still run to their end, so that every one is answered.
   */
  private declareFailed(object: ObjectRecord, reason: string): void {
    if (object.failure !== undefined) return;
    object.failure = reason;
    this.env.log(`replication: "${object.name}" is failed on core ${this.env.coreId}: ${reason}`);
    if (object.home !== this.env.coreId) return;
    const n = replicationInterface.encode.fail(this.buf, object.name, cutUtf8(reason, voteReasonBytesMax));
    this.fanOut(object, replicationInterface.typeOf.fail, n);
    this.counters.failuresSent += object.others.length;
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
    // A failed requester waits for nothing any more (crash-stop).
    if (this.failedCores.has(requester)) return;
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
    const decoded = this.decode(object, text);
    let thrown: string | undefined;
    if (decoded.ok) thrown = this.applyLocal(object, seq, decoded.update);
    else {
      // The home decoded this very text: a codec that cannot is not deterministic. The update keeps
      // its seq (no observer hears of it) and the ack tells the home, which declares a divergence.
      replicaSkip(object, this.env.coreId, seq);
      thrown = `the codec's decode threw: ${decoded.message}`;
      this.env.log(`replication: "${object.name}" update ${seq}: ${thrown}; state unchanged`);
    }
    this.ackSend(object, txn, thrown, this.digestHere(object));
  }

  private prepareReceived(name: string, txn: number, seq: number, text: string): void {
    const object = this.replicaObjectOf(name, "prepare");
    if (object === undefined) return;
    const vote = this.prepareLocal(object, txn, seq, text);
    const digest = vote.yes ? this.digestHere(object, object.prepared?.staged) : noDigest;
    const n = replicationInterface.encode.vote(
      this.buf,
      name,
      txn,
      vote.yes,
      cutUtf8(vote.reason, voteReasonBytesMax),
      digest,
    );
    this.env.portTo(object.home).send(replicationInterface.typeOf.vote, this.buf.bytes, n);
    this.counters.votesSent++;
  }

  private decisionReceived(name: string, txn: number, commit: boolean): void {
    const object = this.replicaObjectOf(name, commit ? "commit" : "abort");
    if (object === undefined) return;
    this.decisionLocal(object, txn, commit);
    this.ackSend(object, txn, undefined, this.digestHere(object));
  }

  private failReceived(name: string, reason: string): void {
    const object = this.replicaObjectOf(name, "fail");
    if (object === undefined) return;
    this.declareFailed(object, reason);
  }

  /** Acks `txn` to the home: what this replica's apply threw (if it did) and its digest after. */
  private ackSend(object: ObjectRecord, txn: number, thrown: string | undefined, digest: number): void {
    const reason = cutUtf8(thrown ?? "", voteReasonBytesMax);
    const n = replicationInterface.encode.ack(
      this.buf,
      object.name,
      txn,
      thrown !== undefined,
      digest,
      reason,
    );
    this.env.portTo(object.home).send(replicationInterface.typeOf.ack, this.buf.bytes, n);
    this.counters.acksSent++;
  }

  /**
   * Applies update `seq` to this replica (it must be the next in order), and tells the observers.
   * Returns what apply threw (the state then stays as it was), or undefined.
   */
  private applyLocal(object: ObjectRecord, seq: number, update: unknown): string | undefined {
    const thrown = replicaApply(object, this.env.coreId, seq, update);
    if (thrown !== undefined)
      this.env.log(`replication: "${object.name}" update ${seq}: ${thrown}; state unchanged`);
    this.applied(object, seq, update);
    return thrown;
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

  /**
   * Records update `seq` as applied and tells the observers. They run after the change and cannot
   * undo it: one that throws is logged and counted, the others still run, and the protocol goes on.
   */
  private applied(object: ObjectRecord, seq: number, update: unknown): void {
    object.applied = seq;
    this.counters.updatesApplied++;
    if (object.observers.size === 0) return;
    this.notifying = true;
    try {
      for (const observer of object.observers) {
        try {
          observer(seq, update, object.state);
        } catch (error) {
          this.counters.observersFailed++;
          this.env.log(
            `replication: "${object.name}" update ${seq} on core ${this.env.coreId}: an onApplied observer threw (the update stands): ${messageOf(error)}`,
          );
        }
      }
    } finally {
      this.notifying = false;
    }
  }

  /** `text` decoded by the object's codec, or what the codec threw. */
  private decode(object: ObjectRecord, text: string): Decoded {
    try {
      return { ok: true, update: object.codec.decode(text) };
    } catch (error) {
      return { ok: false, message: messageOf(error) };
    }
  }

  /** This core's digest of `object`'s state (or of `state`); none when no other replica compares. */
  private digestHere(object: ObjectRecord, state = object.state): number {
    if (object.others.length === 0) return noDigest;
    return stateDigest(object, this.env.log, state);
  }

  // ---- Objects and the buffer of early messages --------------------------------------------------

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
    if (this.fromFailedCore()) return undefined;
    const object = this.objects.get(name);
    if (object === undefined) {
      if (this.droppedAsReleased(name)) return undefined;
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

  /**
   * The object a vote or ack is about (it reaches the home only after the home sequenced), or
   * undefined when the object was released here and the message is dropped.
   */
  private homeObjectOf(name: string, what: string): ObjectRecord | undefined {
    const object = this.objects.get(name);
    if (object === undefined && this.droppedAsReleased(name)) return undefined;
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
      get failure(): string | undefined {
        return object.failure;
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
