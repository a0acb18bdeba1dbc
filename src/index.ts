// The public entry point of the multikernel library: exactly what users may import.
// Internals stay internal; everything exported here is documented in README.md and docs/.
export * as limits from "./limits.js";
