// Virtual memory's public entry point: address-space replicas, per-core TLBs, shootdown protocols.

export type { AddressSpace, AddressSpaceOptions } from "./address-space.js";
export type { VmErrorCode } from "./errors.js";
export { VmError } from "./errors.js";
export { PageAccess } from "./page-access.js";
export type { PageTableEntry } from "./page-table.js";
export { PageTable } from "./page-table.js";
export { PhysicalMemory } from "./physical-memory.js";
export type { Rights } from "./rights.js";
export { formatRights, rightExecute, rightRead, rightsAll, rightsNone, rightWrite } from "./rights.js";
export type { SharedMemoryShootdown } from "./shared-memory-shootdown.js";
export type { CompletedOperation, ShootdownCounters, ShootdownOptions, Translation } from "./shootdown.js";
export { ShootdownEngine } from "./shootdown.js";
export { shootdownTypeLimit } from "./shootdown-messages.js";
export type { ShootdownProtocol, ShootdownRoute } from "./shootdown-routes.js";
export { messageShootdownProtocols, packageTree } from "./shootdown-routes.js";
export { Tlb } from "./tlb.js";
