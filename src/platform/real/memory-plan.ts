// The shared memory of a booted multikernel on the real platform, and where each part lives.
//
// At boot the platform allocates one SharedArrayBuffer and hands it to every core's worker; nothing
// else is shared between cores. It holds, each part cache-line aligned:
//   - one doorbell line per core: the word the core sleeps on (urpc/doorbell.ts), and next to it
//     the count of control messages the boot thread has posted to the core (controlWord);
//   - the monitor mesh: one URPC channel per pair of cores (i < j; side 0 is core i), so that
//     every monitor reaches every other, as Barrelfish's monitors do (N×(N−1) channel ends);
//   - one broadcast ring per core (the shootdown study's broadcast medium);
//   - the channel frames: `channelsPerCoreMax` channels per core, which that core's monitor hands
//     out when a dispatcher binds (CoreEnv.allocateChannelId): core c owns ids
//     [c × channelsPerCoreMax, (c + 1) × channelsPerCoreMax);
//   - the release words: two words per channel frame, one per side, outside the frames so that
//     zeroing a frame for reuse leaves them alone. A side stores 1 in its word once it will never
//     touch the frame again (its end closed, or it will never open); the owning core reuses a frame
//     whose two words are both 1, after zeroing the frame and then both words (real-core.ts).
import { cacheLineBytes, channelsPerCoreMax } from "../../limits.js";
import { broadcastRingBytes } from "../../urpc/broadcast.js";
import { channelBytes } from "../../urpc/index.js";

export class MemoryPlan {
  readonly coreCount: number;
  readonly doorbellsByte = 0;
  readonly meshByte: number;
  readonly broadcastByte: number;
  readonly framesByte: number;
  readonly releaseByte: number;
  readonly totalBytes: number;

  constructor(coreCount: number) {
    if (!Number.isInteger(coreCount) || coreCount < 1)
      throw new RangeError(`MemoryPlan: bad core count ${coreCount}`);
    this.coreCount = coreCount;
    this.meshByte = coreCount * cacheLineBytes;
    const pairs = (coreCount * (coreCount - 1)) / 2;
    this.broadcastByte = this.meshByte + pairs * channelBytes;
    this.framesByte = this.broadcastByte + coreCount * broadcastRingBytes(coreCount);
    this.releaseByte = this.framesByte + coreCount * channelsPerCoreMax * channelBytes;
    const releaseBytes = coreCount * channelsPerCoreMax * 2 * 4;
    this.totalBytes = this.releaseByte + Math.ceil(releaseBytes / cacheLineBytes) * cacheLineBytes;
  }

  /** Word index of core `index`'s doorbell (cores are numbered by position 0..n-1 here). */
  doorbellWord(index: number): number {
    return (this.doorbellsByte + index * cacheLineBytes) / 4;
  }

  /**
   * Word index of core `index`'s control count: the boot thread adds one after each control message
   * it posts to the core and before it rings the doorbell, so that a core about to sleep sees a
   * message still on its way to its event loop (the doorbell alone misses one rung while awake).
   */
  controlWord(index: number): number {
    return this.doorbellWord(index) + 1;
  }

  /** Byte offset of the mesh channel between positions a and b, and which side a is. */
  meshChannel(a: number, b: number): { byteOffset: number; side: 0 | 1 } {
    if (a === b) throw new RangeError(`MemoryPlan: no mesh channel from core ${a} to itself`);
    const low = Math.min(a, b);
    const high = Math.max(a, b);
    // Pairs (low, high) in row-major order over the upper triangle.
    const index = low * this.coreCount - (low * (low + 1)) / 2 + (high - low - 1);
    return { byteOffset: this.meshByte + index * channelBytes, side: a === low ? 0 : 1 };
  }

  /** Byte offset of the broadcast ring that position `index` writes. */
  broadcastRing(index: number): number {
    return this.broadcastByte + index * broadcastRingBytes(this.coreCount);
  }

  /** Byte offset of channel frame `channelId`. */
  frame(channelId: number): number {
    this.checkFrame(channelId);
    return this.framesByte + channelId * channelBytes;
  }

  /** Word index of the release word of `side` of channel frame `channelId` (see the header). */
  releaseWord(channelId: number, side: 0 | 1): number {
    this.checkFrame(channelId);
    return this.releaseByte / 4 + channelId * 2 + side;
  }

  private checkFrame(channelId: number): void {
    if (!Number.isInteger(channelId) || channelId < 0 || channelId >= this.coreCount * channelsPerCoreMax) {
      throw new RangeError(`MemoryPlan: channel id ${channelId} is not a frame of this machine`);
    }
  }
}
