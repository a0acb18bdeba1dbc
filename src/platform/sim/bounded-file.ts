// Reading a small input file (a machine file) that a user names: only a regular file, only up to a
// bound, and never blocking.
//
// stat-then-read checks one file and reads another: a symbolic link to /dev/zero has no size to
// check and reads forever, a FIFO blocks the open until a writer comes, and the name can be swapped
// between the two calls. So the file is opened once, without blocking (O_NONBLOCK: a FIFO opens at
// once instead of waiting for a writer), the open descriptor is checked with fstat (what is checked
// is what is read), and at most bytesMax + 1 bytes are read from it, so that a file that grows
// after the check is still caught as too large rather than read whole.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/** Why a file was refused before its contents were used: not a regular file, or too large. */
export class FileRefusedError extends Error {
  override readonly name = "FileRefusedError";
}

/** Reads `path` as UTF-8 if it is a regular file of at most `bytesMax` bytes; throws otherwise. */
export function readRegularFileBounded(path: string, shown: string, bytesMax: number): string {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new FileRefusedError(`${shown}: is ${kindOf(stats)}, not a regular file`);
    if (stats.size > bytesMax)
      throw new FileRefusedError(`${shown}: file is ${stats.size} bytes, at most ${bytesMax}`);
    const buffer = Buffer.alloc(bytesMax + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > bytesMax) throw new FileRefusedError(`${shown}: file is over ${bytesMax} bytes`);
    return buffer.toString("utf8", 0, length);
  } finally {
    closeSync(fd);
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a file";
}
