// The channels a simulated core's environment hands out: monitor ports, broadcast ports, and
// dispatcher channels.
//
// A monitor port (portTo) is one channel per ordered pair of cores, made on first use. A broadcast
// port is one channel from a core to every other core of the run, made on first use once the run
// has begun (its readers are the cores added by then). A dispatcher channel is opened one side at a
// time (openChannel): its ids come from one counter for the whole run, at most
// simChannelsPerCoreMax per core; an id whose sides have both closed (or that its binding gave up)
// goes back to its core's free list and is handed out again before a fresh one (messages still in
// flight to the old sides are dropped: they are addressed to closed sides, engine.ts);
// the ChannelTable (cpu-driver) pairs its sides; each side opened
// is a channel from its core to the peer's whose messages go to the peer side's inbox, where they
// wait (`early`) until that side opens too, and are dropped once it is closed (engine.ts).
// A dispatcher channel's end is bounded and drained as the real platform's port is: at most
// limits.portBacklogMax messages wait for room in the ring, and its `drain` is the channel itself
// (channel-model.ts says how the two bounds correspond).

import { ChannelTable } from "../../cpu-driver/channel-table.js";
import type { ChannelEnd, ChannelReceive, Port } from "../../cpu-driver/core-env.js";
import { simChannelsPerCoreMax } from "../../limits.js";
import type { Channel, ChannelModel, DispatcherInbox } from "./channel-model.js";
import type { CoreState, InboxItem } from "./core-state.js";

/** What the ports need of the engine. */
export interface SimPortsParts {
  readonly model: ChannelModel;
  /** The core of an id, or undefined when it is not part of the simulation. */
  readonly coreOf: (coreId: number) => CoreState | undefined;
  /** Every core's id, ascending, once the run has begun; null before. */
  readonly runningCoreIds: () => readonly number[] | null;
  /** Puts an item in a core's inbox (and runs it if the core is free). */
  readonly enqueue: (core: CoreState, item: InboxItem) => void;
}

export class SimPorts {
  private nextChannelId = 1;
  /** The core each handed-out id was allocated by. */
  private readonly allocatedBy = new Map<number, CoreState>();
  /** Ids given back, by the core they return to, reused last-in first-out. */
  private readonly freeIds = new Map<number, number[]>();
  private readonly dispatcherChannels = new ChannelTable<DispatcherInbox>({
    owner: "openChannel",
    knownId: (id) => this.allocatedBy.has(id),
    makeState: () => ({ receive: null, early: [] }),
    onReleased: (id) => this.idReleased(id),
  });

  constructor(private readonly parts: SimPortsParts) {}

  /** `sender`'s monitor port to core `to`. */
  portTo(sender: CoreState, to: number): Port {
    const from = sender.id;
    let channel = sender.ports[to];
    if (channel === undefined) {
      const reader = this.parts.coreOf(to);
      if (reader === undefined) throw new RangeError(`portTo: core ${to} is not part of this simulation`);
      if (to === from) throw new RangeError(`portTo: core ${from} has no channel to itself`);
      channel = this.parts.model.newChannel(`monitor ${from}->${to}`, sender, [reader], false);
      sender.ports[to] = channel;
    }
    return channel;
  }

  /** `sender`'s broadcast port to every other core. */
  broadcastPort(sender: CoreState): Port {
    if (sender.broadcastChannel === null) {
      const coreIds = this.parts.runningCoreIds();
      if (coreIds === null)
        throw new Error("broadcastPort: ask for it once the simulation runs (in start() or later)");
      const readers = coreIds.filter((id) => id !== sender.id).map((id) => this.parts.coreOf(id)!);
      sender.broadcastChannel = this.parts.model.newChannel(`broadcast ${sender.id}`, sender, readers, true);
    }
    return sender.broadcastChannel;
  }

  /** A fresh dispatcher channel id, counted against `core`'s share. */
  allocateChannelId(core: CoreState): number {
    const reused = this.freeIds.get(core.id)?.pop();
    if (reused !== undefined) {
      this.allocatedBy.set(reused, core);
      return reused;
    }
    if (core.channelIdsAllocated >= simChannelsPerCoreMax) {
      throw new Error(
        `allocateChannelId: core ${core.id} has used its ${simChannelsPerCoreMax} channels (simChannelsPerCoreMax)`,
      );
    }
    core.channelIdsAllocated++;
    const id = this.nextChannelId++;
    this.allocatedBy.set(id, core);
    return id;
  }

  /** Gives back an id `core` allocated and whose sides never opened or have closed (CoreEnv). */
  releaseChannelId(core: CoreState, channelId: number): void {
    const owner = this.allocatedBy.get(channelId);
    if (owner !== core)
      throw new Error(`releaseChannelId: core ${core.id} did not allocate channel ${channelId}`);
    this.dispatcherChannels.abandon(channelId);
  }

  /** Both sides of `channelId` are done with it: it returns to its core's free list. */
  private idReleased(channelId: number): void {
    const owner = this.allocatedBy.get(channelId)!;
    this.allocatedBy.delete(channelId);
    let free = this.freeIds.get(owner.id);
    if (free === undefined) {
      free = [];
      this.freeIds.set(owner.id, free);
    }
    free.push(channelId);
  }

  /** Opens one side of a dispatcher channel: a sending channel to the peer and a receiving side here. */
  openChannel(
    core: CoreState,
    channelId: number,
    side: 0 | 1,
    peerCore: number,
    receive: ChannelReceive,
  ): ChannelEnd {
    // A channel between two dispatchers of the same core is allowed (Barrelfish's LMP): its
    // messages cost the same-core path class, no cache-line transfer.
    const peerState = this.parts.coreOf(peerCore);
    if (peerState === undefined)
      throw new RangeError(`openChannel: core ${peerCore} is not a core of this machine`);
    const { mine, peer } = this.dispatcherChannels.open(core.id, channelId, side, peerCore);
    mine.state.receive = receive;
    const channel: Channel = this.parts.model.newChannel(
      `channel ${channelId} ${core.id}->${peerCore}`,
      core,
      [peerState],
      false,
    );
    channel.streams[0]!.end = peer;
    for (const item of mine.state.early) this.parts.enqueue(core, item);
    mine.state.early.length = 0;
    return {
      name: channel.name,
      send: (type: number, bytes: Uint8Array, length: number) => {
        if (mine.closed) throw new Error(`${channel.name}: send on a closed channel end`);
        channel.send(type, bytes, length);
      },
      drain: channel,
      close: () => {
        // Checked on this end's own side: once both sides closed, the id may belong to a new channel.
        if (mine.closed) return;
        this.dispatcherChannels.close(channelId, side);
        // Its drain's waiters are forgotten (PortDrain), though its send queue still goes out.
        channel.drainWaiters?.clear();
      },
    };
  }
}
