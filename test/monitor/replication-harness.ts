// Test harness for the replicated object service on the loopback platform: boot a machine with a
// ReplicationModule in every core's monitor, step it until idle with promise continuations run
// between steps, and track how each update's promise settled. Every run is bounded by maxSteps and
// nothing depends on wall-clock time: between two steps the driver waits for a setImmediate, which
// runs only after every pending microtask has.

import { Monitor } from "../../src/monitor/monitor.js";
import { ReplicationModule, type UpdateResult } from "../../src/monitor/replication.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";

export const maxSteps = 500_000;

export interface Machine {
  readonly platform: LoopbackPlatform;
  readonly modules: readonly ReplicationModule[];
}

/** Boots `coreCount` cores (0..n-1), each a monitor with a replication module. */
export function boot(coreCount: number, seed: number): Machine {
  const coreIds = Array.from({ length: coreCount }, (_, i) => i);
  const platform = new LoopbackPlatform(coreIds, { seed });
  const modules: ReplicationModule[] = [];
  for (const id of coreIds) {
    platform.add(id, (env) => {
      const monitor = new Monitor(env);
      modules[id] = monitor.add(new ReplicationModule(env));
      return monitor;
    });
  }
  platform.start();
  return { platform, modules };
}

export const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Steps until idle, letting continuations run after every step (so they see the state right then). */
export async function drain(platform: LoopbackPlatform): Promise<void> {
  for (let steps = 0; steps < maxSteps; steps++) {
    await tick();
    if (!platform.step()) {
      await tick();
      if (!platform.step()) return;
    }
  }
  throw new Error(`not idle after ${maxSteps} steps`);
}

/** A promise's outcome, filled in when it settles. */
export interface Tracked {
  settled: boolean;
  result: UpdateResult | undefined;
  error: unknown;
}

export function track(promise: Promise<UpdateResult>, onResolve?: (result: UpdateResult) => void): Tracked {
  const tracked: Tracked = { settled: false, result: undefined, error: undefined };
  promise.then(
    (result) => {
      tracked.settled = true;
      tracked.result = result;
      onResolve?.(result);
    },
    (error: unknown) => {
      tracked.settled = true;
      tracked.error = error;
    },
  );
  return tracked;
}
