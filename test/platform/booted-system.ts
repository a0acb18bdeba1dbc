// A booted system shared by the tests of one describe block, and the small helpers they all use.
//
// `useBootedSystem` registers a before() hook that boots (after letting earlier closes finish and
// counting the live handles) and an after() hook that shuts the system down and fails the block if
// any worker, port or timer outlived it. Every core's log lines are collected in `lines`. The test
// domains live in ./domains, compiled beside this file.
import assert from "node:assert/strict";
import { after, before } from "node:test";
import { fileURLToPath } from "node:url";
import { type BootOptions, boot, type DomainResult, type Multikernel } from "../../src/index.js";
import { countHandles, type HandleCounts, handlesAddedSince, settle } from "./handles.js";

/** Bound on booting or shutting down a system, in before/after. */
export const bootHookTimeoutMs = 60_000;

/** The compiled path of the test domain ./domains/NAME. */
export function domain(name: string): string {
  return fileURLToPath(new URL(`./domains/${name}.js`, import.meta.url));
}

/** Core `core`'s exit in `result`; fails the test when that core did not report one. */
export function exitOf(result: DomainResult, core: number): DomainResult["exits"][number] {
  const exit = result.exits.find((e) => e.core === core);
  assert.ok(exit !== undefined, `no exit from core ${core}: ${JSON.stringify(result.exits)}`);
  return exit;
}

/** What the hooks hand the tests: the system (once booted) and every core's log lines so far. */
export interface BootedSystem {
  readonly system: Multikernel;
  readonly lines: string[];
}

/** Boots a system of `cores` cores for the enclosing describe block, and checks it leaks nothing. */
export function useBootedSystem(cores = 2, options: Omit<BootOptions, "cores" | "onLog"> = {}): BootedSystem {
  let system: Multikernel | undefined;
  let handlesBefore: HandleCounts;
  const lines: string[] = [];
  before(
    async () => {
      await settle();
      handlesBefore = countHandles();
      system = await boot({ measureLatency: false, ...options, cores, onLog: (line) => lines.push(line) });
    },
    { timeout: bootHookTimeoutMs },
  );
  after(
    async () => {
      await system?.shutdown();
      await settle();
      assert.deepEqual(handlesAddedSince(handlesBefore), [], "handles left after shutdown");
    },
    { timeout: bootHookTimeoutMs },
  );
  return {
    get system(): Multikernel {
      assert.ok(system !== undefined, "the system is booted in before()");
      return system;
    },
    lines,
  };
}
