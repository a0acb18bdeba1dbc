// The `shootdown` scenario: TLB-shootdown safety on a simulated machine, checked by the VM checker
// (../vm-checker.ts), under message delay, slow and stalled cores, and crash-stop. An unmap waits
// for every core's acknowledgement, which a crashed core never sends: once a core's failure
// detector declares the crash, the runner tells its VM module, and every operation that core is
// waiting for, and every later one, rejects with "peer-failed" (src/vm/shootdown.ts). So every live
// core's workload still finishes; the safety checks hold for every operation that resolved, and
// the end-of-run comparison of replicas with the model is made only when no core crashed (after a
// crash, updates cut off with the failed core's subtree leave live replicas legitimately apart).
//
// Every core of the run opens one address space through its monitor's VM module (the code real
// cores run), with the chosen protocol and the checker's onComplete hook. The lowest core maps
// `pages` pages; then, on every core, translations of random pages for reading or writing at
// random virtual times (env timers: each fills the TLB or faults), and a random sequence of
// operations, one at a time per core but concurrent across cores: unmaps of one or two pages,
// protects to read-only or no rights, and maps again of pages found unmapped. Refusals a
// concurrent operation explains (not-mapped, already-mapped, rights-escalation), and peer-failed in
// a run where a core crashes, are answers, not violations; any other failure is one.

import { describeThrown } from "../../../cpu-driver/describe-thrown.js";
import { pageBytes, shootdownScenarioOpsPerCore, tlbSafetyTranslationsPerCore } from "../../../limits.js";
import type { AddressSpace } from "../../../vm/address-space.js";
import { VmError, type VmErrorCode } from "../../../vm/errors.js";
import { type Rights, rightRead, rightsNone, rightWrite } from "../../../vm/rights.js";
import type { ShootdownProtocol } from "../../../vm/shootdown-routes.js";
import { skbOfMachine } from "../machine-skb.js";
import { VmChecker } from "../vm-checker.js";
import type { Scenario, ScenarioReport } from "./scenario.js";

export interface ShootdownScenarioOptions {
  readonly protocol: Exclude<ShootdownProtocol, "shared-memory">;
  /** Pages mapped at the start; the workload stays within them. */
  readonly pages: number;
}

const spaceName = "sim/shootdown";
/** Virtual time between two steps (translations, operations) of one core, at most. */
const stepGapNsMax = 2_000;
/** Refusals a concurrent operation explains. */
const allowedRefusals: ReadonlySet<VmErrorCode> = new Set([
  "not-mapped",
  "already-mapped",
  "rights-escalation",
]);

export function shootdownScenario(options: ShootdownScenarioOptions): Scenario {
  const { protocol, pages } = options;
  if (!Number.isInteger(pages) || pages < 1)
    throw new RangeError(`shootdown: pages must be a positive integer, got ${pages}`);
  const checker = new VmChecker();
  const failures: string[] = [];
  const tally = { map: 0, unmap: 0, protect: 0, refused: 0, peerFailed: 0 };
  let mapped = false;
  let cores: readonly number[] = [];
  /** Cores whose translations, and whose operations, have all been made. */
  const translatorsDone = new Set<number>();
  const workersDone = new Set<number>();
  let crashing: ReadonlySet<number> = new Set();
  /** Cores whose engine learned of a failure: the home's maps will not come. */
  const failureKnown = new Set<number>();

  return {
    name: "shootdown",
    continuations: true,
    install(monitor, env, run) {
      cores = run.cores;
      crashing = run.crashing;
      const home = run.cores[0]!;
      const core = env.coreId;
      const int = (n: number): number => Math.floor(env.random() * n);
      monitor.add({
        name: "shootdown-workload",
        receive: () => false,
        start() {
          const vm = monitor.vm;
          if (vm === undefined) throw new Error("shootdown: this monitor has no VM module");
          // The machine's packages and trees, as the SKB would measure them: multicast routes by them.
          vm.setTopology(skbOfMachine(run.machine));
          const space: AddressSpace = vm.open(spaceName, run.cores, {
            protocol,
            onComplete: (operation) => checker.completed(operation),
          });
          checker.addCore(core, (vaddr, access) => space.translate(vaddr, access));

          /** One operation, announced to the checker; resolves when it has settled either way. */
          const operate = async (
            kind: "map" | "unmap" | "protect",
            page: number,
            pageCount: number,
            rights: Rights,
          ): Promise<void> => {
            const vaddr = page * pageBytes;
            const lengthBytes = pageCount * pageBytes;
            try {
              const frame = kind === "map" ? space.allocFrame() : 0;
              checker.announce(core, { frame, rights });
              if (kind === "map") await space.map(vaddr, frame, rights, lengthBytes);
              else if (kind === "unmap") await space.unmap(vaddr, lengthBytes);
              else await space.protect(vaddr, lengthBytes, rights);
              tally[kind]++;
            } catch (error) {
              if (error instanceof VmError && allowedRefusals.has(error.code)) tally.refused++;
              else if (error instanceof VmError && error.code === "peer-failed" && crashing.size > 0)
                tally.peerFailed++;
              else
                failures.push(
                  `shootdown: core ${core}'s ${kind} of page ${page}+${pageCount} failed: ${describeThrown(error)}`,
                );
            }
          };

          const translations = (): void => {
            let left = tlbSafetyTranslationsPerCore;
            const next = (): void => {
              if (left-- <= 0) {
                translatorsDone.add(core);
                return;
              }
              try {
                space.translate(int(pages) * pageBytes, env.random() < 0.5 ? rightRead : rightWrite);
              } catch {
                // A fault is a correct answer for an unmapped page or a missing right.
              }
              env.setTimer(1 + int(stepGapNsMax), next);
            };
            env.setTimer(int(stepGapNsMax), next);
          };

          const sleep = (ns: number) => new Promise<void>((resolve) => env.setTimer(ns, resolve));
          const work = async (): Promise<void> => {
            for (let i = 0; i < shootdownScenarioOpsPerCore; i++) {
              await sleep(1 + int(stepGapNsMax * 2));
              const page = int(pages);
              const pageCount = page + 1 < pages && env.random() < 0.3 ? 2 : 1;
              const roll = env.random();
              if (roll < 0.45) await operate("unmap", page, pageCount, rightsNone);
              else if (roll < 0.75)
                await operate("protect", page, pageCount, env.random() < 0.7 ? rightRead : rightsNone);
              else await operate("map", page, 1, rightRead | rightWrite);
            }
          };

          const startWorkload = (): void => {
            translations();
            work().then(
              () => workersDone.add(core),
              (error: unknown) =>
                failures.push(`shootdown: core ${core}'s workload: ${describeThrown(error)}`),
            );
          };
          if (core !== home) {
            // Wait for the home's maps (a flag of the scenario's own, polled on a timer).
            const wait = (): void => {
              if (mapped || failureKnown.has(core)) startWorkload();
              else env.setTimer(stepGapNsMax, wait);
            };
            wait();
            return;
          }
          void (async () => {
            for (let page = 0; page < pages; page++) await operate("map", page, 1, rightRead | rightWrite);
            mapped = true;
            startWorkload();
          })();
        },
      });
    },
    done: (excused) =>
      cores.length > 0 &&
      cores.every((core) => excused.has(core) || (translatorsDone.has(core) && workersDone.has(core))),
    peerFailed(by) {
      failureKnown.add(by);
    },
    report(): ScenarioReport {
      if (crashing.size === 0) checker.finish(Array.from({ length: pages }, (_, page) => page));
      const { operations, probes } = checker.counts;
      return {
        lines: [
          `shootdown (${protocol}) on ${cores.length} cores, ${pages} pages: ${tally.map} maps, ${tally.unmap} unmaps, ${tally.protect} protects resolved, ${tally.refused} refused, ${tally.peerFailed} failed (peer failed); checker: ${operations} completions, ${probes} translations probed`,
        ],
        results: {
          protocol,
          cores: cores.length,
          pages,
          maps: tally.map,
          unmaps: tally.unmap,
          protects: tally.protect,
          refused: tally.refused,
          peerFailed: tally.peerFailed,
          checkedOperations: operations,
          probes,
        },
        violations: [...failures, ...checker.violations],
      };
    },
  };
}
