// The `boot` scenario: the real monitors boot on simulated cores, then the SKB measures them.
//
// Every core runs the unchanged BootModule (monitor/boot.ts): each monitor greets every other and
// reports to the BSP once it has heard from all; the BSP declares the system up when every core
// has. Then, as on the real platform, the BSP's LatencyProbeModule (monitor/latency-probe.ts)
// measures the round trip between every pair of cores, one pair at a time — here a ping-pong of
// monitor messages in virtual time, since the simulator offers no raw probe — and the scenario
// builds the SKB from the matrix and prints it as `multikernel skb` does (skb/format.ts): the
// matrix, the groups the SKB finds (which should be the machine's packages or shared caches) and
// the multicast tree. The SKB numbers its cores by position in the run's core list.

import { BootModule } from "../../../monitor/boot.js";
import { LatencyProbeModule, type LatencyRows } from "../../../monitor/latency-probe.js";
import { formatSkb } from "../../../skb/format.js";
import { LatencyMatrix } from "../../../skb/latency.js";
import { SystemKnowledgeBase } from "../../../skb/skb.js";
import type { Scenario, ScenarioReport, ScenarioRun } from "./scenario.js";

export interface BootScenarioOptions {
  /** Measure the SKB's latency matrix after boot (default true). */
  readonly probe?: boolean;
  /** Timed round trips per pair (the median is kept). */
  readonly probeRounds: number;
  /** Untimed round trips per pair first. */
  readonly probeWarmupRounds: number;
}

export function bootScenario(options: BootScenarioOptions): Scenario {
  const probe = options.probe !== false;
  const connectedNs = new Map<number, number>();
  let upNs: number | undefined;
  let rows: LatencyRows | undefined;
  let probedNs: number | undefined;
  return {
    name: "boot",
    install(monitor, env) {
      const latency = probe ? monitor.add(new LatencyProbeModule(env)) : undefined;
      monitor.add(
        new BootModule(env, {
          onConnected: (core, nowNs) => connectedNs.set(core, nowNs),
          onAllConnected: (nowNs) => {
            upNs = nowNs;
            latency?.measureAll(options.probeWarmupRounds, options.probeRounds, (measured) => {
              rows = measured;
              probedNs = env.nowNs();
            });
          },
        }),
      );
    },
    done: () => upNs !== undefined && (!probe || rows !== undefined),
    report(run: ScenarioRun): ScenarioReport {
      const clockGHz = run.machine.clockGHz;
      const lines: string[] = [];
      const results: Record<string, unknown> = {
        coresConnected: connectedNs.size,
        bootNs: upNs ?? null,
        bootCycles: upNs === undefined ? null : upNs * clockGHz,
      };
      if (upNs === undefined) lines.push(`boot: not finished (${connectedNs.size} cores connected)`);
      else {
        lines.push(
          `boot: ${run.cores.length} monitors connected in ${(upNs / 1000).toFixed(2)} µs (${Math.round(upNs * clockGHz)} cycles)`,
        );
      }
      if (rows !== undefined && probedNs !== undefined) {
        const skb = new SystemKnowledgeBase(undefined, LatencyMatrix.fromRows(rows));
        const identity = run.cores.every((core, i) => core === i);
        lines.push(
          `SKB probe: ${(run.cores.length * (run.cores.length - 1)) / 2} pairs × ${options.probeRounds} round trips, done at ${(probedNs / 1000).toFixed(2)} µs`,
        );
        if (!identity) lines.push(`SKB core k is simulated core cores[k], cores = [${run.cores.join(", ")}]`);
        lines.push(formatSkb(skb));
        results.probeDoneNs = probedNs;
        results.skb = skb.toJSON();
      }
      return { lines, results, violations: [] };
    },
  };
}
