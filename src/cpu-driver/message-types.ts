// Message-type ranges on the monitor-to-monitor channels.
//
// Several interfaces share one monitor channel (like Barrelfish's intermon.if, which gathers boot,
// binding, spawning and capability operations). Each interface is declared with src/idl and given a
// base here; a message's 16-bit type is its interface's base plus its index in the declaration.
// The monitor routes an incoming message to the module that owns its range.

/** Size of the type range each interface owns. */
export const typeRangeSize = 0x100;

/** Boot, liveness and shutdown between monitors. */
export const monitorCoreTypeBase = 0x0000;
/** Name service, binding and domain spawning. */
export const bindingTypeBase = 0x0100;
/** Replicated objects: one-phase and two-phase commit. */
export const replicationTypeBase = 0x0200;
/** Virtual memory: TLB shootdown protocols. */
export const shootdownTypeBase = 0x0300;
/** SKB: latency measurement between cores. */
export const skbTypeBase = 0x0400;
/** Liveness: heartbeats between monitors (liveness.ts). */
export const livenessTypeBase = 0x0500;
/** Simulator scenarios and test-only protocols. */
export const testTypeBase = 0x0f00;
/** Reserved for the platform (the real platform's tight round-trip probe); never an interface's. */
export const platformReservedTypeBase = 0xfff0;
