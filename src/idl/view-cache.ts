// ViewCache: the DataView a decoder reads a frame's buffer through, made once per buffer.
//
// Decoders read scalars through a DataView over the same memory as the frame's bytes. A URPC ring
// hands each one-slot message over as the view of its slot, so a dispatcher sees a fixed set of
// buffers in turn (one per slot), a different one for almost every message; a loopback or a test
// hands in the same buffer every time. The views are kept in a direct-mapped table indexed by the
// buffer's byte offset (slots lie one cache line apart, so consecutive slots take consecutive
// entries): a hit is one load and one compare, with no hashing. A miss falls back to a WeakMap, so
// that two buffers that share an entry in turn still never allocate a view per message.
import { cacheLineBytes } from "../limits.js";

/** Entries of the direct-mapped table (a power of two). */
const viewCacheEntries = 64;
/** log2 of the distance in bytes between buffers that take consecutive entries (a slot's size). */
const viewCacheShift = Math.log2(cacheLineBytes);
if (!Number.isInteger(viewCacheShift)) throw new Error("idl: cacheLineBytes is not a power of two");

export class ViewCache {
  private readonly buffers: Array<Uint8Array | undefined> = new Array(viewCacheEntries).fill(undefined);
  private readonly views: DataView[] = new Array(viewCacheEntries).fill(new DataView(new ArrayBuffer(0)));
  private readonly spilled = new WeakMap<Uint8Array, DataView>();

  /** The view over exactly the memory of `bytes` (same offset and length). */
  viewOf(bytes: Uint8Array): DataView {
    const entry = (bytes.byteOffset >>> viewCacheShift) & (viewCacheEntries - 1);
    if (this.buffers[entry] === bytes) return this.views[entry]!;
    let view = this.spilled.get(bytes);
    if (view === undefined) {
      view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.spilled.set(bytes, view);
    }
    this.buffers[entry] = bytes;
    this.views[entry] = view;
    return view;
  }
}
