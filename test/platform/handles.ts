// Counting the process's live handles by kind, to prove that a shut-down system left nothing behind.
//
// process.getActiveResourcesInfo() names every resource that keeps the event loop alive: a booted
// system shows one MessagePort per worker (its control channel), and a pending timer shows as a
// Timeout. Counting those kinds before boot and after shutdown (after one turn of the event loop,
// so that closes in progress complete) tells whether any worker, port or timer outlived shutdown,
// whatever the test runner itself holds meanwhile.

/** The kinds of handle a booted system creates. */
export const systemHandleKinds: readonly string[] = ["Worker", "MessagePort", "Timeout", "Immediate"];

export type HandleCounts = Readonly<Record<string, number>>;

export function countHandles(): HandleCounts {
  const counts: Record<string, number> = Object.fromEntries(systemHandleKinds.map((kind) => [kind, 0]));
  for (const kind of process.getActiveResourcesInfo()) {
    if (kind in counts) counts[kind]! += 1;
  }
  return counts;
}

/** Lets pending closes finish: one full turn of the event loop. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Handles of the system's kinds that are live now and were not before: "MessagePort +2", say. */
export function handlesAddedSince(before: HandleCounts): string[] {
  const after = countHandles();
  return systemHandleKinds
    .filter((kind) => (after[kind] ?? 0) > (before[kind] ?? 0))
    .map((kind) => `${kind} +${(after[kind] ?? 0) - (before[kind] ?? 0)}`);
}
