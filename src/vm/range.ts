// The checks every virtual-memory operation makes on its range before anything else: the address
// inside the space, both ends page-aligned, a non-zero length, not too many pages. One function, so
// that the message protocols and the shared-memory baseline refuse bad input with the same words.
import { pageBytes, pagesPerOperationMax } from "../limits.js";
import { hex, VmError } from "./errors.js";

/**
 * Checks [vaddr, vaddr + lengthBytes) against a space of `spaceBytes` (named `spaceName` in errors)
 * and returns its page count; throws a VmError naming `description` and the problem.
 */
export function checkRange(
  description: string,
  vaddr: number,
  lengthBytes: number,
  spaceBytes: number,
  spaceName: string,
): number {
  if (!Number.isInteger(vaddr) || vaddr < 0 || vaddr >= spaceBytes) {
    throw new VmError(
      "out-of-range",
      `${description}: address outside ${spaceName}'s [0, ${hex(spaceBytes)})`,
    );
  }
  if (vaddr % pageBytes !== 0) {
    throw new VmError(
      "unaligned",
      `${description}: address ${hex(vaddr)} is not aligned to the ${pageBytes}-byte page`,
    );
  }
  if (lengthBytes === 0) throw new VmError("zero-length", `${description}: length is zero`);
  if (!Number.isInteger(lengthBytes) || lengthBytes < 0 || lengthBytes % pageBytes !== 0) {
    throw new VmError(
      "unaligned",
      `${description}: length ${lengthBytes} is not a whole number of ${pageBytes}-byte pages`,
    );
  }
  if (vaddr + lengthBytes > spaceBytes) {
    throw new VmError("out-of-range", `${description}: range ends past ${spaceName} (${hex(spaceBytes)})`);
  }
  const pageCount = lengthBytes / pageBytes;
  if (pageCount > pagesPerOperationMax) {
    throw new VmError(
      "too-many-pages",
      `${description}: ${pageCount} pages, more than pagesPerOperationMax=${pagesPerOperationMax}`,
    );
  }
  return pageCount;
}
