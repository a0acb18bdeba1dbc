// The loopback platform's public entry point: an in-memory, deterministic host for sans-IO logic.

export type { LoopbackCounters, LoopbackOptions, RunBound } from "./loopback-platform.js";
export { LoopbackPlatform } from "./loopback-platform.js";
export { splitmix32 } from "./splitmix32.js";
