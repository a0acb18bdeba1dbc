// The one error type of the virtual-memory layer, with a machine-readable code.
//
// Every refusal — bad input to map/unmap/protect, a page fault or a protection fault in translate,
// too many operations in flight, a core of the address space declared failed — is a VmError whose message names the core, the operation and the
// address, so that a failing test or a domain's crash report says what went wrong without a trace.

/** Why a virtual-memory request or translation failed. */
export type VmErrorCode =
  | "unaligned"
  | "zero-length"
  | "out-of-range"
  | "too-many-pages"
  | "table-full"
  | "bad-frame"
  | "bad-rights"
  | "not-mapped"
  | "already-mapped"
  | "rights-escalation"
  | "page-fault"
  | "protection-fault"
  | "in-flight-limit"
  | "bad-value"
  | "frame-not-owned"
  | "closed"
  | "peer-failed";

export class VmError extends Error {
  constructor(
    readonly code: VmErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "VmError";
  }
}

/** Formats an address the way the messages show it: hexadecimal. */
export function hex(value: number): string {
  return `0x${value.toString(16)}`;
}
