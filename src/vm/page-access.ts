// PageAccess: the bytes of one translated page, reached only while the mapping still allows it.
//
// `translate` used to return a Uint8Array view of the frame. A typed array carries its buffer, and
// the buffer of a frame's view is all of physical memory (every domain's frames, shared by every
// core): `view.buffer` read any frame, and the view itself kept working after the unmap or protect
// that took the page away. A translation now hands out this object instead. It holds the frame's
// view in a private field (#bytes: no property, no reflection reaches it from outside the class),
// and every access first asks the address space whether this core still maps the page to the same
// frame with the rights the access needs (`stillMaps`: a TLB or page-table lookup, the check a
// hardware TLB makes on every access). After the unmap or protect resolves, every access through an
// older translation faults with a VmError, as a fresh translate would. Reads copy out; writes copy
// in; nothing hands a reference to the shared buffer back.

import { pageBytes } from "../limits.js";
import { hex, VmError } from "./errors.js";
import { formatRights, type Rights, rightRead, rightWrite } from "./rights.js";

/** Says whether this core still maps the page to the translated frame with `access`; else throws a VmError. */
export type MappingCheck = (access: Rights) => void;

export class PageAccess {
  readonly #bytes: Uint8Array;
  readonly #check: MappingCheck;
  readonly #vaddrPage: number;

  /** `bytes` is the frame's view (pageBytes long); `check` throws once the mapping no longer allows an access. */
  constructor(bytes: Uint8Array, vaddrPage: number, check: MappingCheck) {
    if (bytes.length !== pageBytes)
      throw new Error(`page access: a frame is ${pageBytes} bytes, not ${bytes.length}`);
    this.#bytes = bytes;
    this.#vaddrPage = vaddrPage;
    this.#check = check;
  }

  /** Bytes in the page. */
  get lengthBytes(): number {
    return pageBytes;
  }

  /** The byte at `offsetBytes` of the page (needs read). */
  get(offsetBytes: number): number {
    this.checkRange("get", offsetBytes, 1);
    this.#check(rightRead);
    return this.#bytes[offsetBytes]!;
  }

  /** Writes one byte (the low 8 bits of `value`) at `offsetBytes` (needs write). */
  set(offsetBytes: number, value: number): void {
    this.checkRange("set", offsetBytes, 1);
    if (typeof value !== "number" || !Number.isFinite(value))
      throw new VmError(
        "bad-value",
        `page ${hex(this.#vaddrPage * pageBytes)}: set(${offsetBytes}, ${String(value)}): not a number`,
      );
    this.#check(rightWrite);
    this.#bytes[offsetBytes] = value;
  }

  /** A copy of `lengthBytes` bytes from `offsetBytes` (needs read). */
  read(offsetBytes: number, lengthBytes: number): Uint8Array {
    this.checkRange("read", offsetBytes, lengthBytes);
    this.#check(rightRead);
    return this.#bytes.slice(offsetBytes, offsetBytes + lengthBytes);
  }

  /** Copies `source` into the page from `offsetBytes` (needs write). */
  write(offsetBytes: number, source: Uint8Array): void {
    if (!(source instanceof Uint8Array))
      throw new VmError(
        "bad-value",
        `page ${hex(this.#vaddrPage * pageBytes)}: write: the source is not a Uint8Array`,
      );
    this.checkRange("write", offsetBytes, source.length);
    this.#check(rightWrite);
    this.#bytes.set(source, offsetBytes);
  }

  private checkRange(what: string, offsetBytes: number, lengthBytes: number): void {
    if (
      !Number.isInteger(offsetBytes) ||
      !Number.isInteger(lengthBytes) ||
      offsetBytes < 0 ||
      lengthBytes < 0 ||
      offsetBytes + lengthBytes > pageBytes
    )
      throw new VmError(
        "out-of-range",
        `page ${hex(this.#vaddrPage * pageBytes)}: ${what} of ${lengthBytes} bytes at offset ${offsetBytes} is outside its ${pageBytes} bytes`,
      );
  }
}

/** The error an access through a stale translation throws: the page is unmapped, remapped or lacks `access`. */
export function staleTranslationError(
  coreId: number,
  vaddrPage: number,
  access: Rights,
  current: { frame: number; rights: Rights } | undefined,
  frame: number,
): VmError {
  const where = `core ${coreId}: ${formatRights(access)} access to ${hex(vaddrPage * pageBytes)} through a translation to frame ${frame}`;
  if (current === undefined)
    return new VmError("page-fault", `${where}: page fault: the page is no longer mapped`);
  if (current.frame !== frame)
    return new VmError("page-fault", `${where}: page fault: the page now maps frame ${current.frame}`);
  return new VmError(
    "protection-fault",
    `${where}: protection fault: the page is now mapped ${formatRights(current.rights)}`,
  );
}
