// The registered name nearest to one that is not registered, for a "did you mean" in a bind's error.
//
// Nearness is the edit distance (insertions, deletions, substitutions and swaps of two adjacent
// UTF-16 code units), and a
// name counts as near only within `nearNameDistance(name)`: a quarter of its length, at least 1, so
// "kvv" suggests "kv" but "a" suggests nothing long. Candidates whose length alone puts them
// farther are skipped before any distance is computed, and the distance is computed only inside
// that band (Ukkonen's cut-off), so a miss costs little even with servicesRegisteredMax names: a
// client that polls for a name not yet exported (bindWhenExported) pays it on every try.

/** The most edits a name may be from `name` and still be suggested for it. */
export function nearNameDistance(name: string): number {
  return Math.max(1, Math.floor(name.length / 4));
}

/**
 * The edit distance between `a` and `b` if it is at most `bound`, else `bound + 1` (computed only in
 * the diagonal band of width 2·bound + 1). A swap of two adjacent characters counts as one edit
 * (the optimal-string-alignment distance): "clac" is one edit from "calc".
 */
export function boundedEditDistance(a: string, b: string, bound: number): number {
  const over = bound + 1;
  if (Math.abs(a.length - b.length) > bound) return over;
  /** Rows i - 2, i - 1 and i of the table, reused in turn. */
  let older = new Array<number>(b.length + 2).fill(over);
  let previous = new Array<number>(b.length + 2);
  let current = new Array<number>(b.length + 2);
  for (let j = 0; j <= b.length; j++) previous[j] = j <= bound ? j : over;
  previous[b.length + 1] = over;
  for (let i = 1; i <= a.length; i++) {
    const from = Math.max(1, i - bound);
    const to = Math.min(b.length, i + bound);
    // The cells just outside the band read as "too far" (the first column is i edits).
    current[from - 1] = from === 1 && i <= bound ? i : over;
    current[to + 1] = over;
    let rowMin = current[from - 1]!;
    for (let j = from; j <= to; j++) {
      const ai = a.charCodeAt(i - 1);
      const bj = b.charCodeAt(j - 1);
      let value = Math.min(previous[j - 1]! + (ai === bj ? 0 : 1), previous[j]! + 1, current[j - 1]! + 1);
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj)
        value = Math.min(value, older[j - 2]! + 1);
      if (value > over) value = over;
      current[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > bound) return over;
    [older, previous, current] = [previous, current, older];
  }
  return Math.min(previous[b.length]!, over);
}

/**
 * The candidate nearest to `name` (a name that is not among them) within nearNameDistance(name),
 * the first in `candidates`' order among equals; undefined when none is near.
 */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  let bound = nearNameDistance(name);
  let nearest: string | undefined;
  for (const candidate of candidates) {
    const distance = boundedEditDistance(name, candidate, bound);
    if (distance > bound) continue;
    nearest = candidate;
    // Only a strictly nearer candidate replaces it from now on.
    bound = distance - 1;
    if (bound < 1) break;
  }
  return nearest;
}
