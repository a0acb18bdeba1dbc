// What program-host.ts and its worker (program-worker.ts) share: the worker's input, its messages
// to the parent, and the layout of the progress array the watchdog reads.

import type { Fault } from "./faults.js";

/** What program-host.ts passes in workerData. */
export interface ProgramWorkerData {
  readonly programUrl: string;
  readonly program: string;
  readonly machine: string;
  readonly seed: number;
  readonly cores: readonly number[];
  /** The domain's arguments (each core's ctx.args); absent: none. */
  readonly args?: unknown;
  readonly faults: readonly Fault[];
  readonly liveness: boolean;
  readonly trace: boolean;
  readonly verbose: boolean;
  /** Int32Array view: [0] heartbeats, [1] the core whose handler runs (-1: none). */
  readonly progress: SharedArrayBuffer;
}

/** Indexes into the progress array. */
export const progressBeat = 0;
export const progressCore = 1;
export const progressSlots = 2;

/** Messages to the parent. */
export type ProgramWorkerMessage =
  | { readonly kind: "log"; readonly line: string }
  | { readonly kind: "result"; readonly result: unknown };
