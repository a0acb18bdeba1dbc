// Access rights of a mapping: a bit set of read, write and execute.
//
// Rights only ever shrink once a page is mapped: `protect` may take rights away, never add them
// (adding is a rights escalation, refused). A translation checks the access asked for against the
// rights of the mapping; an access needing a right the mapping lacks is a protection fault.

export const rightRead = 1;
export const rightWrite = 2;
export const rightExecute = 4;
export const rightsNone = 0;
export const rightsAll = rightRead | rightWrite | rightExecute;

/** A set of rights: any combination of rightRead, rightWrite, rightExecute. */
export type Rights = number;

/** Whether `value` is a set of rights (an integer in [0, rightsAll]). */
export function isRights(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= rightsAll;
}

/** Whether going from `current` to `requested` would add a right: an escalation. */
export function rightsEscalate(current: Rights, requested: Rights): boolean {
  return (requested & ~current) !== 0;
}

/** Whether `rights` allow every access in `access`. */
export function rightsAllow(rights: Rights, access: Rights): boolean {
  return (access & ~rights) === 0;
}

/** "rwx" with dashes for missing rights, e.g. "r-x". */
export function formatRights(rights: Rights): string {
  return (
    (rights & rightRead ? "r" : "-") + (rights & rightWrite ? "w" : "-") + (rights & rightExecute ? "x" : "-")
  );
}
