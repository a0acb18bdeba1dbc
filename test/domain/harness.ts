// Test harness for domains: a loopback machine with one Monitor per core, domains spawned on it,
// and an async driver that takes one platform step at a time and lets promise continuations run
// between steps (a domain's code is async; the loopback platform's own run loops are synchronous).
// Every run is bounded by maxSteps, and nothing depends on wall-clock time: between two steps the
// driver waits for a setImmediate, which runs only after every pending microtask has.
//
// A domain's failure fails its test by default: `exits` rejects, naming the domain, each core that
// exited non-zero and the log lines that say why, unless the test spawned it with
// `{ expectFailure: true }` (then `exits` gives the statuses, whatever they are, for the test to
// check). A test that never awaits `exits` still fails, through the unhandled rejection, so an
// assertion inside `main` always counts.

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
  /**
   * Exit status of main on each core, in the order of `cores`; rejects if any is non-zero, unless
   * the domain was spawned expecting a failure.
   */
  readonly exits: Promise<number[]>;
}

export interface SpawnOptions {
  /** The test expects main to fail somewhere and checks the statuses itself. */
  readonly expectFailure?: boolean;
}

/** Spawns a domain on `cores`: a dispatcher on each, each running `main`. */
export function spawn(
  machine: Machine,
  domainId: number,
  cores: readonly number[],
  main: DomainMain,
  options: SpawnOptions = {},
): Domain {
  const dispatchers = cores.map((core) => {
    const monitor = machine.monitors[core];
    if (monitor === undefined) throw new Error(`harness: no core ${core}`);
    return new Dispatcher(monitor, domainId, cores);
  });
  const statuses = Promise.all(dispatchers.map((d) => d.run(main)));
  const exits =
    options.expectFailure === true
      ? statuses
      : statuses.then((s) => checkExits(machine.platform, domainId, cores, s));
  return { dispatchers, exits };
}

/** Returns `statuses` if all are 0; otherwise throws, naming the failed cores and the domain's log. */
export function checkExits(
  platform: LoopbackPlatform,
  domainId: number,
  cores: readonly number[],
  statuses: number[],
): number[] {
  const failed = cores.filter((_, i) => statuses[i] !== 0);
  if (failed.length === 0) return statuses;
  const exits = failed.map((core) => `core ${core} exited ${statuses[cores.indexOf(core)]}`).join(", ");
  const log = platform.logLines.filter((line) => line.includes(`domain ${domainId}:`));
  throw new Error(`harness: domain ${domainId} failed: ${exits}\n${log.join("\n")}`);
}
