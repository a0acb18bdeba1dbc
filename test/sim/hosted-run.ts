// The program host (src/platform/sim/program-host.ts) as its tests run it: the same small machine,
// cores, seed, and no faults, detector or trace, so that each test says only what it is about.
import type { ScenarioResult } from "../../src/platform/sim/index.js";
import { type ProgramHostOptions, runProgramHosted } from "../../src/platform/sim/program-host.js";

/** Runs `program` (its module at `programUrl`) hosted on cores 0 and 1 of amd-2x2, seed 1. */
export function runHostedOn2x2(
  program: string,
  programUrl: string,
  more: Partial<ProgramHostOptions> = {},
): Promise<ScenarioResult> {
  return runProgramHosted({
    programUrl,
    program,
    machine: "amd-2x2",
    machineName: "amd-2x2",
    seed: 1,
    cores: [0, 1],
    faults: [],
    liveness: false,
    trace: false,
    ...more,
  });
}
