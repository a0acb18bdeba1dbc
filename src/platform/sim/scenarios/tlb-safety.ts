// The `shootdown` scenario: TLB-shootdown safety on a simulated machine, under the faults the
// protocols tolerate (message delay, slow and stalled cores; not crash-stop: an unmap waits for
// every core's acknowledgement, and a crashed core never sends one).
//
// Every core of the run opens one address space through its monitor's VM module (the same code
// as on real cores) with the chosen protocol. The lowest core maps `pages` pages; then every core
// translates pages at random virtual times (filling its TLB), while some cores unmap pages and
// others take write rights away, concurrently, the same pages from several cores included. A page
// is never mapped again once unmapped, so the rules below are exact.
//
// The checker is separate from the engine and only observes it, through each core's `translate`:
//   - when an unmap resolves, no core translates any page of its range;
//   - when a protect to read-only resolves, no core translates a page of its range for writing;
//   - at the end, every core's replica agrees on every page (mapped or not, writable or not).
// In the simulator a promise's continuation runs right after the event that settled it, before
// any other event, so "when it resolves" is the instant of completion.

import { pageBytes, tlbSafetyTranslationsPerCore } from "../../../limits.js";
import type { AddressSpace } from "../../../vm/address-space.js";
import { rightRead, rightWrite } from "../../../vm/rights.js";
import type { ShootdownProtocol } from "../../../vm/shootdown-routes.js";
import { skbOfMachine } from "../machine-skb.js";
import type { Scenario, ScenarioReport } from "./scenario.js";

export interface TlbSafetyOptions {
  readonly protocol: Exclude<ShootdownProtocol, "shared-memory">;
  /** Pages mapped at the start. */
  readonly pages: number;
}

const spaceName = "sim/shootdown-check";
/** Virtual time between two translations of one core, at most. */
const translateGapNsMax = 2_000;

export function tlbSafetyScenario(options: TlbSafetyOptions): Scenario {
  const { protocol, pages } = options;
  if (!Number.isInteger(pages) || pages < 1)
    throw new RangeError(`shootdown: pages must be a positive integer, got ${pages}`);
  const spaces = new Map<number, AddressSpace>();
  const violations: string[] = [];
  const unmapped = new Set<number>();
  const readOnly = new Set<number>();
  let mapped = false;
  let operations = 0;
  let settled = 0;
  let translatorsDone = 0;
  let cores: readonly number[] = [];
  let unmapsDone = 0;
  let protectsDone = 0;
  let refused = 0;

  const vaddrOf = (page: number) => page * pageBytes;

  /** Whether `core` can translate `page` with `access` right now. */
  const translates = (core: number, page: number, access: number): boolean => {
    try {
      spaces.get(core)!.translate(vaddrOf(page), access);
      return true;
    } catch {
      return false;
    }
  };

  const checkUnmapped = (page: number, by: number): void => {
    for (const core of cores) {
      if (translates(core, page, rightRead))
        violations.push(
          `shootdown: core ${core} still translates page ${page} after core ${by}'s unmap resolved`,
        );
    }
  };

  const checkReadOnly = (page: number, by: number): void => {
    for (const core of cores) {
      if (translates(core, page, rightWrite))
        violations.push(
          `shootdown: core ${core} still translates page ${page} for writing after core ${by}'s protect resolved`,
        );
    }
  };

  return {
    name: "shootdown",
    continuations: true,
    install(monitor, env, run) {
      cores = run.cores;
      const home = run.cores[0]!;
      monitor.add({
        name: "shootdown-workload",
        receive: () => false,
        start() {
          const vm = monitor.vm;
          if (vm === undefined) throw new Error("shootdown: this monitor has no VM module");
          // The machine's packages and trees, as the SKB would measure them: multicast routes by them.
          vm.setTopology(skbOfMachine(run.machine));
          const space = vm.open(spaceName, run.cores, { protocol });
          spaces.set(env.coreId, space);
          const operation = (what: string, page: number, promise: Promise<void>, after: () => void): void => {
            operations++;
            promise.then(
              () => {
                settled++;
                after();
              },
              (error: unknown) => {
                settled++;
                // Refusals are allowed (a page another core unmapped first); anything else is not.
                const message = error instanceof Error ? error.message : String(error);
                if (/not mapped|not-mapped/.test(message)) refused++;
                else
                  violations.push(
                    `shootdown: core ${env.coreId}'s ${what} of page ${page} failed: ${message}`,
                  );
              },
            );
          };
          const startWorkload = (): void => {
            // Translations at random times: each fills the TLB (or faults, once a page is gone).
            let left = tlbSafetyTranslationsPerCore;
            const translateNext = (): void => {
              if (left-- <= 0) {
                translatorsDone++;
                return;
              }
              const page = Math.floor(env.random() * pages);
              try {
                space.translate(vaddrOf(page), env.random() < 0.5 ? rightRead : rightWrite);
              } catch {
                // A fault is a correct answer for an unmapped page or a missing right.
              }
              env.setTimer(1 + Math.floor(env.random() * translateGapNsMax), translateNext);
            };
            env.setTimer(Math.floor(env.random() * translateGapNsMax), translateNext);
            // Some cores unmap a page, some take its write right away; pages are drawn at random,
            // so the same page is often hit from several cores at once.
            const roll = env.random();
            const page = Math.floor(env.random() * pages);
            const at = Math.floor(env.random() * translateGapNsMax * 4);
            if (roll < 0.5) {
              env.setTimer(at, () =>
                operation("unmap", page, space.unmap(vaddrOf(page), pageBytes), () => {
                  unmapsDone++;
                  unmapped.add(page);
                  checkUnmapped(page, env.coreId);
                }),
              );
            } else if (roll < 0.8) {
              env.setTimer(at, () =>
                operation("protect", page, space.protect(vaddrOf(page), pageBytes, rightRead), () => {
                  protectsDone++;
                  readOnly.add(page);
                  checkReadOnly(page, env.coreId);
                }),
              );
            }
          };
          if (env.coreId !== home) {
            // Wait for the home's maps, then start (polling a flag of the scenario's own, not the kernel's).
            const wait = (): void => {
              if (mapped) startWorkload();
              else env.setTimer(translateGapNsMax, wait);
            };
            wait();
            return;
          }
          void (async () => {
            for (let page = 0; page < pages; page++) {
              await space.map(vaddrOf(page), space.allocFrame(), rightRead | rightWrite);
            }
            mapped = true;
            startWorkload();
          })().catch((error: unknown) =>
            violations.push(`shootdown: the home's maps failed: ${String(error)}`),
          );
        },
      });
    },
    done: () => mapped && translatorsDone === cores.length && settled === operations,
    report(): ScenarioReport {
      // The end state: every replica agrees on every page.
      for (let page = 0; page < pages; page++) {
        const readers = cores.filter((core) => translates(core, page, rightRead));
        const writers = cores.filter((core) => translates(core, page, rightWrite));
        if (readers.length !== 0 && readers.length !== cores.length)
          violations.push(
            `shootdown: replicas disagree on page ${page}: mapped on cores ${readers.join(",")} only`,
          );
        if (writers.length !== 0 && writers.length !== cores.length)
          violations.push(
            `shootdown: replicas disagree on page ${page}: writable on cores ${writers.join(",")} only`,
          );
        if (unmapped.has(page) && readers.length > 0)
          violations.push(`shootdown: page ${page} is mapped again at the end`);
        if (readOnly.has(page) && writers.length > 0)
          violations.push(`shootdown: page ${page} is writable again at the end`);
      }
      return {
        lines: [
          `shootdown (${protocol}) on ${cores.length} cores: ${pages} pages mapped; ${unmapsDone} unmaps and ${protectsDone} protects resolved, ${refused} refused (already unmapped)`,
        ],
        results: {
          protocol,
          cores: cores.length,
          pages,
          unmaps: unmapsDone,
          protects: protectsDone,
          refused,
        },
        violations: [...violations],
      };
    },
  };
}
