// A private cache directory for programs this package compiles and then runs (the native floor).
//
// A shared temporary directory is writable by everyone, so a predictable name in it may already be
// taken by someone else: a directory they own, a symbolic link to one, or a binary planted where the
// compiled one would be. Running what is found there would run their code as the user. So the cache
// directory is created with mode 0700 (mkdir fails if the name exists: nothing is followed), and
// whether it was just made or found, it is checked with lstat before use: a directory, not a
// symbolic link, owned by this process's user, with no permission for group or others. A directory
// passing that check can only be written by the user (or root), so what is in it is the user's own;
// an executable is still checked the same way (a regular file, the user's, not writable by group or
// others) before it runs. Any check that fails is an error naming the path and what was wrong.
import { lstat, mkdir } from "node:fs/promises";

/** Permission bits for group and others: a private directory has none of them. */
const groupOtherBits = 0o077;
/** Write permission for group and others: an executable run from the cache has neither. */
const groupOtherWriteBits = 0o022;
/** Mode of a cache directory this module creates. */
const privateDirMode = 0o700;

/** Why a cache path cannot be trusted. */
export class UntrustedPathError extends Error {
  override readonly name = "UntrustedPathError";
}

/** The current user's id; refuses where the platform has none (nothing could be checked). */
function currentUid(path: string): number {
  const uid = process.getuid?.();
  if (uid === undefined) {
    throw new UntrustedPathError(`${path}: this platform has no user ids, so its owner cannot be checked`);
  }
  return uid;
}

/** Creates `path` (mode 0700) unless it exists, then checks it is private to this user. */
export async function ensurePrivateDir(path: string): Promise<void> {
  try {
    await mkdir(path, { mode: privateDirMode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  await checkPrivateDir(path);
}

/** Checks that `path` is a directory (not a symbolic link) owned by this user, closed to others. */
export async function checkPrivateDir(path: string): Promise<void> {
  const uid = currentUid(path);
  const stats = await lstat(path);
  if (stats.isSymbolicLink())
    throw new UntrustedPathError(`${path}: is a symbolic link, not a private directory`);
  if (!stats.isDirectory()) throw new UntrustedPathError(`${path}: is not a directory`);
  if (stats.uid !== uid)
    throw new UntrustedPathError(`${path}: is owned by user ${stats.uid}, not by this user (${uid})`);
  if ((stats.mode & groupOtherBits) !== 0) {
    throw new UntrustedPathError(
      `${path}: mode ${octal(stats.mode)} gives group or others access (a private directory is 0700)`,
    );
  }
}

/** Checks that `path` is a regular file owned by this user that group and others cannot write. */
export async function checkOwnExecutable(path: string): Promise<void> {
  const uid = currentUid(path);
  const stats = await lstat(path);
  if (!stats.isFile()) throw new UntrustedPathError(`${path}: is not a regular file`);
  if (stats.uid !== uid)
    throw new UntrustedPathError(`${path}: is owned by user ${stats.uid}, not by this user (${uid})`);
  if ((stats.mode & groupOtherWriteBits) !== 0) {
    throw new UntrustedPathError(`${path}: mode ${octal(stats.mode)} lets group or others write it`);
  }
}

function octal(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}
