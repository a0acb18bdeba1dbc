// Shared memory whose first byte starts a cache line (indeed a page).
//
// Every layout in this project (channel slots, ack lines, doorbells, page frames) places its parts at
// multiples of 64 bytes from the start of a SharedArrayBuffer, and assumes that those are cache-line
// boundaries. They are only if the buffer itself starts on one, and a plain SharedArrayBuffer does
// not: its memory comes from the C allocator, which aligns to 16 bytes (a large block is an mmap'd
// page plus a 16-byte header). In a buffer that starts mid-line every slot straddles two lines, the
// receiver reads its header from one and its payload from the other, and a message costs two line
// transfers instead of one. Measured on the 2-vCPU dev machine: URPC ping-pong 320 ns one way in a
// plain buffer against 155-168 ns in an aligned one, with the C cache-line floor at 140 ns.
//
// A shared WebAssembly.Memory is allocated by whole pages (mmap), so its buffer, which is an ordinary
// SharedArrayBuffer (transferable, usable by Atomics), starts on a page boundary. Its size is a whole
// number of 64 KiB WebAssembly pages. V8 reserves (but does not commit) address space around each
// one; where even that is refused (a tight `ulimit -v`), the allocation falls back to a plain
// SharedArrayBuffer with a process warning, so that everything still works, only slower.

import { alignedSharedBytesMax, wasmPageBytes } from "../limits.js";

/** The one WebAssembly API used here (TypeScript declares WebAssembly only in its DOM library). */
declare const WebAssembly: {
  readonly Memory: new (descriptor: {
    initial: number;
    maximum: number;
    shared: boolean;
  }) => { readonly buffer: SharedArrayBuffer };
};

let warnedFallback = false;

/**
 * A SharedArrayBuffer of at least `bytes` bytes (rounded up to whole 64 KiB pages) whose first byte
 * is page-aligned, and so cache-line-aligned. Throws a RangeError naming the size when it is not a
 * positive integer or over alignedSharedBytesMax.
 */
export function allocateAlignedShared(bytes: number, purpose: string): SharedArrayBuffer {
  if (!Number.isInteger(bytes) || bytes <= 0 || bytes > alignedSharedBytesMax) {
    throw new RangeError(
      `${purpose}: cannot allocate ${bytes} bytes of aligned shared memory (a positive integer up to ${alignedSharedBytesMax}, limits.alignedSharedBytesMax)`,
    );
  }
  const pages = Math.ceil(bytes / wasmPageBytes);
  try {
    return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true })
      .buffer as SharedArrayBuffer;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    if (!warnedFallback) {
      warnedFallback = true;
      process.emitWarning(
        `${purpose}: no page-aligned shared memory (${error.message}); using a plain SharedArrayBuffer, ` +
          "whose cache lines may straddle the slots (messages then cost up to twice as much)",
        { code: "MULTIKERNEL_UNALIGNED_SHARED_MEMORY" },
      );
    }
    return new SharedArrayBuffer(bytes);
  }
}
