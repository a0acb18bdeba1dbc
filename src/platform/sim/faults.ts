// The faults the simulator can inject, all in one place, each optional, with their validation.
//
//   delay       a message is delayed by `extraCycles` with probability `probability` (seeded);
//               optionally only on messages from `fromCore` and/or to `toCore`. Within one channel
//               messages stay in order (a delayed message holds up the ones behind it, as a slow
//               line transfer does); across channels any order may result.
//   slow        core `core`'s handlers cost `factor` times as much (from `fromCycles` to `toCycles`).
//   stall       core `core` runs nothing from `fromCycles` until `toCycles` (a descheduled core, a
//               long SMI); what arrives meanwhile waits in its rings.
//   crash       core `core` stops at `atCycles` (crash-stop): its logic receives nothing more and
//               sends nothing more; what it sent before is still delivered.

import { simFaultsMax, simMessageDelayCyclesDefault, simSlowCoreFactorDefault } from "../../limits.js";

export type Fault =
  | {
      readonly kind: "delay";
      readonly probability: number;
      readonly extraCycles?: number;
      readonly fromCore?: number;
      readonly toCore?: number;
    }
  | {
      readonly kind: "slow";
      readonly core: number;
      readonly factor?: number;
      readonly fromCycles?: number;
      readonly toCycles?: number;
    }
  | { readonly kind: "stall"; readonly core: number; readonly fromCycles: number; readonly toCycles: number }
  | { readonly kind: "crash"; readonly core: number; readonly atCycles: number };

/** Faults in the form the engine uses: defaults filled in, grouped by core. */
export interface FaultPlan {
  readonly delays: readonly {
    probability: number;
    extraCycles: number;
    fromCore: number | undefined;
    toCore: number | undefined;
  }[];
  readonly slow: readonly { core: number; factor: number; fromCycles: number; toCycles: number }[];
  readonly stalls: readonly { core: number; fromCycles: number; toCycles: number }[];
  readonly crashes: readonly { core: number; atCycles: number }[];
}

function fail(index: number, field: string, message: string): never {
  throw new RangeError(`faults[${index}].${field}: ${message}`);
}

function checkCore(i: number, field: string, core: unknown, coreCount: number): void {
  if (typeof core !== "number" || !Number.isInteger(core) || core < 0 || core >= coreCount) {
    fail(i, field, `expected a core id in [0, ${coreCount}), got ${String(core)}`);
  }
}

function checkCycles(i: number, field: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    fail(i, field, `expected a number of cycles >= 0, got ${String(value)}`);
  }
}

/** Checks `faults` against a machine of `coreCount` cores and fills in defaults. */
export function planFaults(faults: readonly Fault[], coreCount: number): FaultPlan {
  if (faults.length > simFaultsMax)
    throw new RangeError(`faults: at most ${simFaultsMax}, got ${faults.length}`);
  const plan = {
    delays: [] as FaultPlan["delays"][number][],
    slow: [] as FaultPlan["slow"][number][],
    stalls: [] as FaultPlan["stalls"][number][],
    crashes: [] as FaultPlan["crashes"][number][],
  };
  faults.forEach((fault, i) => {
    switch (fault.kind) {
      case "delay": {
        if (!(fault.probability >= 0 && fault.probability <= 1)) {
          fail(i, "probability", `expected a number in [0, 1], got ${fault.probability}`);
        }
        const extraCycles = fault.extraCycles ?? simMessageDelayCyclesDefault;
        checkCycles(i, "extraCycles", extraCycles);
        if (fault.fromCore !== undefined) checkCore(i, "fromCore", fault.fromCore, coreCount);
        if (fault.toCore !== undefined) checkCore(i, "toCore", fault.toCore, coreCount);
        plan.delays.push({
          probability: fault.probability,
          extraCycles,
          fromCore: fault.fromCore,
          toCore: fault.toCore,
        });
        break;
      }
      case "slow": {
        checkCore(i, "core", fault.core, coreCount);
        const factor = fault.factor ?? simSlowCoreFactorDefault;
        if (!(factor >= 1 && Number.isFinite(factor)))
          fail(i, "factor", `expected a finite number >= 1, got ${factor}`);
        const fromCycles = fault.fromCycles ?? 0;
        const toCycles = fault.toCycles ?? Number.POSITIVE_INFINITY;
        checkCycles(i, "fromCycles", fromCycles);
        if (!(toCycles > fromCycles))
          fail(i, "toCycles", `expected more than fromCycles (${fromCycles}), got ${toCycles}`);
        plan.slow.push({ core: fault.core, factor, fromCycles, toCycles });
        break;
      }
      case "stall": {
        checkCore(i, "core", fault.core, coreCount);
        checkCycles(i, "fromCycles", fault.fromCycles);
        if (!(fault.toCycles > fault.fromCycles && Number.isFinite(fault.toCycles))) {
          fail(
            i,
            "toCycles",
            `expected a finite number above fromCycles (${fault.fromCycles}), got ${fault.toCycles}`,
          );
        }
        plan.stalls.push({ core: fault.core, fromCycles: fault.fromCycles, toCycles: fault.toCycles });
        break;
      }
      case "crash": {
        checkCore(i, "core", fault.core, coreCount);
        checkCycles(i, "atCycles", fault.atCycles);
        if (plan.crashes.some((c) => c.core === fault.core))
          fail(i, "core", `core ${fault.core} already crashes`);
        plan.crashes.push({ core: fault.core, atCycles: fault.atCycles });
        break;
      }
      default:
        fail(
          i,
          "kind",
          `expected "delay", "slow", "stall" or "crash", got ${String((fault as { kind: unknown }).kind)}`,
        );
    }
  });
  return plan;
}
