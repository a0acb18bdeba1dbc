// MessageBuffer: a preallocated scratch area that one message is encoded into.
//
// It holds messageBytesMax bytes (limits.ts), rounded up to whole 32-bit words so that `words` can
// view it, and offers three views over the same ArrayBuffer: bytes, a DataView for little-endian
// scalars, and 32-bit words for code that copies a payload into URPC slots word by word. A sender
// owns one buffer and reuses it for every message, so encoding allocates nothing.
import { Buffer } from "node:buffer";
import { messageBytesMax } from "../limits.js";

/** Bytes in every MessageBuffer: messageBytesMax rounded up to a multiple of 4. */
export const messageBufferBytes = Math.ceil(messageBytesMax / 4) * 4;

export class MessageBuffer {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly words: Int32Array;
  /**
   * A Node Buffer over the same memory, for writing UTF-8 natively without creating a view per call.
   * Internal to the encoders.
   */
  readonly text: Buffer;

  constructor() {
    const memory = new ArrayBuffer(messageBufferBytes);
    this.bytes = new Uint8Array(memory);
    this.view = new DataView(memory);
    this.words = new Int32Array(memory);
    this.text = Buffer.from(memory, 0, messageBufferBytes);
  }
}
