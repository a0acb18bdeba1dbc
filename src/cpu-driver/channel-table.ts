// The pairing of dispatcher channel ends: which channel id has which sides open on which cores.
//
// A dispatcher channel (CoreEnv.openChannel) has two sides, 0 and 1, opened one at a time and in
// either order, usually on two cores by the two dispatchers of a binding. Each side names the core
// its peer is on; the table pairs side 0 with side 1 and keeps, per channel id:
//   - the core each side is open on (notOpenCore until it opens);
//   - whether the side's owner has closed it (close is idempotent; a side never reopens);
//   - the platform's own state for each side (a queue, a receive callback), made for both sides
//     the first time the id is opened, side 0 first, so that a platform sees them in a fixed order.
// It refuses, naming the channel, the side and the core: an id the platform never handed out, a
// side other than 0 or 1, a side opened twice, a peer core other than the one the other side is
// open on, and closing a side that is not open. Which ids exist, and which cores, are the
// platform's business: it says which ids it knows (`knownId`) and checks the peer core itself;
// the table holds at most one record per known id, so the platform's id bound is the table's.
//
// Reuse: once both sides of an id are closed, neither will touch it again, so the table forgets
// the id's record and tells the platform (`onReleased`), which may hand the id out again; an id
// whose sides will never open (a bind the server refused) is given up with `abandon`. A released
// id opens as new; the closed sides of its old record stay closed.
//
// Sans-IO: plain data, no clock, no timers, no threads. The loopback and simulated platforms keep
// their dispatcher channels in one of these.

/** The core of a side that is not open. */
export const notOpenCore = -1;

/** One side of a channel, as the table sees it; `state` is the platform's. */
export interface ChannelSide<State> {
  readonly channelId: number;
  readonly side: 0 | 1;
  /** The core this side is open on, or notOpenCore. */
  readonly coreId: number;
  /** True once its owner closed it. */
  readonly closed: boolean;
  readonly state: State;
}

/** What an open returns: the side just opened and the other side (open or not yet). */
export interface ChannelPairing<State> {
  readonly mine: ChannelSide<State>;
  readonly peer: ChannelSide<State>;
}

export interface ChannelTableOptions<State> {
  /** Starts every error, e.g. "loopback" or "sim". */
  readonly owner: string;
  /** Whether `channelId` (an integer) is one the platform could have handed out. */
  readonly knownId: (channelId: number) => boolean;
  /** Makes the platform's state of one side, when its channel id is first opened. */
  readonly makeState: (channelId: number, side: 0 | 1) => State;
  /** Hears of an id whose sides are all closed (or never opened): it may be handed out again. */
  readonly onReleased?: (channelId: number, sides: readonly ChannelSide<State>[]) => void;
}

interface Side<State> {
  readonly channelId: number;
  readonly side: 0 | 1;
  coreId: number;
  closed: boolean;
  readonly state: State;
}

export class ChannelTable<State> {
  private readonly channels = new Map<number, readonly [Side<State>, Side<State>]>();

  constructor(private readonly options: ChannelTableOptions<State>) {}

  /** Channel ids opened at least once. */
  get size(): number {
    return this.channels.size;
  }

  /** Opens `side` of `channelId` on `coreId`, its peer on `peerCore`; throws on misuse (above). */
  open(coreId: number, channelId: number, side: 0 | 1, peerCore: number): ChannelPairing<State> {
    const where = `channel ${channelId} side ${String(side)} on core ${coreId}`;
    if (!Number.isInteger(channelId) || !this.options.knownId(channelId))
      throw new RangeError(`${this.options.owner}: ${where}: channel ${channelId} was never allocated`);
    if (side !== 0 && side !== 1)
      throw new RangeError(`${this.options.owner}: ${where}: side must be 0 or 1`);
    const sides = this.sidesOf(channelId);
    const mine = sides[side];
    const peer = sides[side === 0 ? 1 : 0];
    if (mine.coreId !== notOpenCore)
      throw new Error(`${this.options.owner}: ${where}: that side is already open on core ${mine.coreId}`);
    if (peer.coreId !== notOpenCore && peer.coreId !== peerCore) {
      throw new Error(
        `${this.options.owner}: ${where}: peer core ${peerCore}, but the other side is open on core ${peer.coreId}`,
      );
    }
    mine.coreId = coreId;
    return { mine, peer };
  }

  /** Closes an open side; returns false when it was closed already. */
  close(channelId: number, side: 0 | 1): boolean {
    const mine = this.channels.get(channelId)?.[side];
    if (mine === undefined || mine.coreId === notOpenCore) {
      throw new Error(
        `${this.options.owner}: channel ${channelId} side ${String(side)}: close of a side that is not open`,
      );
    }
    if (mine.closed) return false;
    mine.closed = true;
    const peer = this.channels.get(channelId)![side === 0 ? 1 : 0];
    if (peer.closed) this.release(channelId);
    return true;
  }

  /**
   * Gives up `channelId` when no side of it is open now and none will open (its bind was refused):
   * a side that opened must have closed. Throws, naming the side, when one is still open.
   */
  abandon(channelId: number): void {
    const sides = this.channels.get(channelId);
    for (const side of sides ?? []) {
      if (side.coreId !== notOpenCore && !side.closed) {
        throw new Error(
          `${this.options.owner}: channel ${channelId}: given up while side ${String(side.side)} is open on core ${side.coreId}`,
        );
      }
    }
    this.release(channelId);
  }

  /** Forgets the record of `channelId` and tells the platform the id is free. */
  private release(channelId: number): void {
    const sides = this.channels.get(channelId) ?? [];
    this.channels.delete(channelId);
    this.options.onReleased?.(channelId, sides);
  }

  /** A side of a channel id opened before, or undefined. */
  get(channelId: number, side: 0 | 1): ChannelSide<State> | undefined {
    return this.channels.get(channelId)?.[side];
  }

  /** The sides of `channelId`, made (side 0 first) on its first open. */
  private sidesOf(channelId: number): readonly [Side<State>, Side<State>] {
    let sides = this.channels.get(channelId);
    if (sides === undefined) {
      sides = [this.makeSide(channelId, 0), this.makeSide(channelId, 1)];
      this.channels.set(channelId, sides);
    }
    return sides;
  }

  private makeSide(channelId: number, side: 0 | 1): Side<State> {
    const state = this.options.makeState(channelId, side);
    return { channelId, side, coreId: notOpenCore, closed: false, state };
  }
}
