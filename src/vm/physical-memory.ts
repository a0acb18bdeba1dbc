// Physical memory: frames are the pages of a SharedArrayBuffer the platform hands in.
//
// Frame f is bytes [f * pageBytes, (f + 1) * pageBytes) of the buffer. This module never allocates
// shared memory itself: the real platform passes the SharedArrayBuffer every worker shares, a test
// passes one of its own. Each core allocates frames only from its own disjoint range (the frames
// divided evenly among the cores, in core order), so allocation needs no coordination; any core may
// map and access any frame, which is how memory is shared between cores — explicitly, by mapping.

import { pageBytes } from "../limits.js";
import { VmError } from "./errors.js";

export class PhysicalMemory {
  /** Frames in the whole buffer. */
  readonly frameCount: number;
  /** First frame of this core's allocation range. */
  readonly firstOwnFrame: number;
  /** Frames in this core's allocation range. */
  readonly ownFrameCount: number;
  private readonly views: (Uint8Array | undefined)[];
  private readonly free: number[] = [];

  constructor(
    readonly buffer: SharedArrayBuffer,
    coreIds: readonly number[],
    readonly coreId: number,
  ) {
    if (buffer.byteLength % pageBytes !== 0) {
      throw new Error(`physical memory: ${buffer.byteLength} bytes is not whole ${pageBytes}-byte frames`);
    }
    const index = coreIds.indexOf(coreId);
    if (index < 0) throw new Error(`physical memory: core ${coreId} is not among ${coreIds.join(",")}`);
    this.frameCount = buffer.byteLength / pageBytes;
    this.ownFrameCount = Math.floor(this.frameCount / coreIds.length);
    this.firstOwnFrame = index * this.ownFrameCount;
    this.views = new Array<Uint8Array | undefined>(this.frameCount);
    // Allocate in ascending order: pop from the end of a descending list.
    for (let f = this.firstOwnFrame + this.ownFrameCount - 1; f >= this.firstOwnFrame; f--) this.free.push(f);
  }

  /** Frames left in this core's range. */
  get framesFree(): number {
    return this.free.length;
  }

  isFrame(frame: number): boolean {
    return Number.isInteger(frame) && frame >= 0 && frame < this.frameCount;
  }

  /** The bytes of `frame`: a view of the shared buffer, not a copy. */
  frameBytes(frame: number): Uint8Array {
    if (!this.isFrame(frame))
      throw new VmError("bad-frame", `core ${this.coreId}: no frame ${frame} (${this.frameCount} frames)`);
    let view = this.views[frame];
    if (view === undefined) {
      view = new Uint8Array(this.buffer, frame * pageBytes, pageBytes);
      this.views[frame] = view;
    }
    return view;
  }

  /** Takes the lowest free frame of this core's range. */
  allocFrame(): number {
    const frame = this.free.pop();
    if (frame === undefined) {
      throw new Error(
        `physical memory: core ${this.coreId} has no free frame (range of ${this.ownFrameCount})`,
      );
    }
    return frame;
  }

  /** Gives back a frame of this core's range. */
  freeFrame(frame: number): void {
    if (
      !Number.isInteger(frame) ||
      frame < this.firstOwnFrame ||
      frame >= this.firstOwnFrame + this.ownFrameCount
    ) {
      throw new Error(`physical memory: core ${this.coreId} frees frame ${frame}, not of its range`);
    }
    // The list stays descending, so allocation always takes the lowest free frame: frames freed
    // by ended domains come back in order, and consecutive allocations stay consecutive.
    let at = this.free.length;
    while (at > 0 && this.free[at - 1]! < frame) at--;
    if (this.free[at - 1] === frame) throw new Error(`physical memory: frame ${frame} freed twice`);
    this.free.splice(at, 0, frame);
  }
}
