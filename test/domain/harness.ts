// Test harness for domains: a loopback machine with one Monitor per core, domains spawned on it,
// and an async driver that takes one platform step at a time and lets promise continuations run
// between steps (a domain's code is async; the loopback platform's own run loops are synchronous).
// Every run is bounded by maxSteps, and nothing depends on wall-clock time: between two steps the
// driver waits for a setImmediate, which runs only after every pending microtask has.

import { Dispatcher } from "../../src/domain/dispatcher.js";
import type { DomainMain } from "../../src/domain/domain-context.js";
import { Monitor } from "../../src/monitor/monitor.js";
import { LoopbackPlatform } from "../../src/platform/loopback/index.js";

export const maxSteps = 200_000;

export interface Machine {
  readonly platform: LoopbackPlatform;
  readonly monitors: readonly Monitor[];
}

/** Boots `coreCount` cores (0..n-1) with a monitor on each. */
export function boot(coreCount: number, seed = 1): Machine {
  const coreIds = Array.from({ length: coreCount }, (_, i) => i);
  const platform = new LoopbackPlatform(coreIds, { seed });
  const monitors = coreIds.map((id) => platform.add(id, (env) => new Monitor(env)));
  platform.start();
  return { platform, monitors };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Steps the platform until `promise` settles; returns its outcome. Throws if idle first or past the bound. */
export async function settle<T>(
  platform: LoopbackPlatform,
  promise: Promise<T>,
  bound = maxSteps,
): Promise<T> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  for (let steps = 0; ; steps++) {
    await tick();
    if (done) return promise;
    if (steps >= bound) throw new Error(`harness: promise still pending after ${bound} steps`);
    if (!platform.step()) {
      await tick();
      if (done) return promise;
      throw new Error(`harness: platform idle after ${steps} steps and the promise is still pending`);
    }
  }
}

/** Steps the platform until it is idle and no continuation is left. */
export async function drain(platform: LoopbackPlatform, bound = maxSteps): Promise<void> {
  for (let steps = 0; ; steps++) {
    await tick();
    if (steps >= bound) throw new Error(`harness: not idle after ${bound} steps`);
    if (!platform.step()) {
      await tick();
      if (!platform.step()) return;
    }
  }
}

export interface Domain {
  readonly dispatchers: Dispatcher[];
  /** Exit status of main on each core, in the order of `cores`. */
  readonly exits: Promise<number[]>;
}

/** Spawns a domain on `cores`: a dispatcher on each, each running `main`. */
export function spawn(
  machine: Machine,
  domainId: number,
  cores: readonly number[],
  main: DomainMain,
): Domain {
  const dispatchers = cores.map((core) => {
    const monitor = machine.monitors[core];
    if (monitor === undefined) throw new Error(`harness: no core ${core}`);
    return new Dispatcher(monitor, domainId, cores);
  });
  return { dispatchers, exits: Promise.all(dispatchers.map((d) => d.run(main))) };
}
