// Test domain: like crashes-core.ts, but the highest core's thread ends by process.exit, which in a
// worker thread ends that thread only.
import { crashingMain } from "./crashes-core.js";

export const exitCode = 7;

export const main = crashingMain(() => process.exit(exitCode));
