// A port over one URPC ring for the real platform's core: batches inside a poll turn, publishes at
// once outside one, and holds a bounded backlog when the ring is full (drained as credit returns).
// With --trace it records the send end of each message's flow.

import type { Port } from "../../cpu-driver/core-env.js";
import { portBacklogMax } from "../../limits.js";
import type { RingSender } from "../../urpc/index.js";
import { type CoreTrace, nowUs } from "./core-trace.js";

/** What a port needs of its core. */
export interface PortOwner {
  /** Whether the core is inside a poll turn (its sends are published when the turn ends). */
  readonly inTurn: boolean;
  readonly trace: CoreTrace | undefined;
  /** The port has written or queued messages that `flush()` must publish. */
  markDirty(port: RingPort): void;
}

/** A port over a ring, with a bounded backlog for when the ring is full. */
export class RingPort implements Port {
  private readonly backlog: Array<{ type: number; bytes: Uint8Array }> = [];

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
    if (core.trace !== undefined && flowName !== undefined) {
      this.traceKey = core.trace.channelKey(flowName);
      this.tracePeer = peer ?? -1;
    }
  }

  send(type: number, bytes: Uint8Array, length: number): void {
    if (this.traceKey >= 0)
      this.core.trace!.send(nowUs(), this.tracePeer, type, this.traceKey, this.traceSequence++);
    if (this.backlog.length === 0) {
      // Inside a poll turn, batch: the turn publishes everything at its end. Outside one (a
      // domain's promise continuation, a timer), publish at once: nobody else would.
      if (this.core.inTurn) {
        if (this.sender.trySendDeferred(type, bytes, length)) {
          this.core.markDirty(this);
          return;
        }
      } else if (this.sender.trySend(type, bytes, length)) {
        return;
      }
    }
    if (this.backlog.length >= portBacklogMax) {
      throw new Error(
        `port "${this.name}": ${portBacklogMax} messages already wait for room (limits.portBacklogMax)`,
      );
    }
    this.backlog.push({ type, bytes: bytes.slice(0, length) });
    this.core.markDirty(this);
  }

  /** Publishes what was written; moves backlog into the ring as room appears. Returns whether all is out. */
  flush(): boolean {
    while (this.backlog.length > 0) {
      const next = this.backlog[0]!;
      if (!this.sender.trySendDeferred(next.type, next.bytes, next.bytes.length)) break;
      this.backlog.shift();
    }
    this.sender.flush();
    return this.backlog.length === 0;
  }
}
