// What program-host.ts and its worker (program-worker.ts) share: the worker's input, its messages
// to the parent, and the layout of the progress array the watchdog reads.

import type { Fault } from "./faults.js";

/** The run a caller asks for: what the host passes on to its worker unchanged. */
export interface ProgramRunSpec {
  /** The program's module URL (file:…), as the real platform's `run` resolves it. */
  readonly programUrl: string;
  /** How the program is named in reports. */
  readonly program: string;
  /** A machine name (machines/*.json) or file. */
  readonly machine: string;
  readonly seed: number;
  readonly cores: readonly number[];
  /** The domain's arguments, each core's ctx.args (checked as `run` checks them); absent: `[]`. */
  readonly args?: unknown;
  readonly faults: readonly Fault[];
  readonly liveness: boolean;
  readonly trace: boolean;
}

/** What program-host.ts passes in workerData: the run, and how the worker reports on it. */
export interface ProgramWorkerData extends ProgramRunSpec {
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
