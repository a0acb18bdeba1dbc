// Linux's CPU list format, as sysfs writes it ("0-3,8,10-11"): parsing and printing.
//
// A list is comma-separated items, each a number or an inclusive range "a-b". Parsing is strict (a
// malformed list throws, naming the text), bounded (ids at or above `coresMax` are rejected, so a
// corrupt "0-4294967295" cannot allocate four billion entries), and returns ids ascending without
// duplicates. Callers reading sysfs catch the error and treat the fact as unknown.

import { coresMax } from "../limits.js";

/** Parses a CPU list such as "0-3,8,10-11" into ascending, distinct ids. An empty list is []. */
export function parseCpuList(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  const ids = new Set<number>();
  for (const item of trimmed.split(",")) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(item);
    if (match === null) throw new Error(`CPU list "${text}": item "${item}" is not a number or a range a-b`);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first) throw new Error(`CPU list "${text}": range "${item}" runs backwards`);
    if (last >= coresMax) throw new Error(`CPU list "${text}": CPU ${last} is beyond coresMax (${coresMax})`);
    for (let id = first; id <= last; id++) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Prints ids in the same format, runs of three or more as ranges: [0,1,2,3,8,10,11] → "0-3,8,10,11". */
export function formatCpuList(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const items: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    if (j - i >= 2) items.push(`${sorted[i]}-${sorted[j]}`);
    else for (let k = i; k <= j; k++) items.push(String(sorted[k]));
    i = j + 1;
  }
  return items.join(",");
}
