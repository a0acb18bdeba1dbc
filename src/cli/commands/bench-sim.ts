// `multikernel bench sim`: how fast the simulator runs on this host.
//
// Reports the flood rates of src/bench/sim.ts (simulated deliveries per host second, on 256 cores and
// on 32) and the host time of a 256-core boot: the `boot` scenario on mesh-16x16, the real
// BootModule on every core (every monitor greets the 255 others and reports to the BSP), without
// the SKB probe (32,640 pairs one after another would measure the probe, not the boot). The boot's
// figures are host milliseconds, the virtual boot time, and its deliveries. --json prints one
// object, alone on standard output.
import { performance } from "node:perf_hooks";
import { formatRate, printResult, progress, type ReportRow } from "../../bench/report.js";
import { boot256, floodRate } from "../../bench/sim.js";
import { makeScenario, runScenario } from "../../platform/sim/index.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

/** Everything `bench sim --json` prints. */
export interface BenchSimReport {
  benchmark: "sim";
  node: string;
  /** Deliveries per host second, all-to-all flood on mesh-16x16 (256 cores). */
  simMsgsPerSec: number;
  /** The same flood on amd-8x4 (32 cores). */
  simMsgsPerSec32: number;
  /** Host time of the boot scenario (real BootModule) on mesh-16x16. */
  boot256Ms: number;
  /** Its virtual boot time. */
  boot256VirtualNs: number | null;
  boot256Deliveries: number;
  /** Host time of src/bench/sim.ts's boot-shaped run (plain logic, not the monitor). */
  bootShaped256Ms: number;
}

/** Host time of the boot scenario on 256 simulated cores. */
export async function bootScenario256(): Promise<{
  hostMs: number;
  virtualNs: number | null;
  deliveries: number;
}> {
  const t0 = performance.now();
  const result = await runScenario(makeScenario("boot", { probe: false }, []), {
    machine: "mesh-16x16",
    seed: 1,
  });
  const hostMs = performance.now() - t0;
  if (!result.completed || result.violations.length > 0)
    throw new Error(
      `bench sim: the 256-core boot failed: ${result.violations.join("; ") || result.stoppedBy}`,
    );
  return {
    hostMs,
    virtualNs: (result.results.bootNs as number | null) ?? null,
    deliveries: result.deliveries,
  };
}

export async function runBenchSim(): Promise<BenchSimReport> {
  progress("sim: flood on mesh-16x16 (256 cores)…");
  const flood = floodRate("mesh-16x16");
  progress("sim: flood on amd-8x4 (32 cores)…");
  const flood32 = floodRate("amd-8x4");
  progress("sim: boot scenario on mesh-16x16…");
  const boot = await bootScenario256();
  const shaped = boot256();
  return {
    benchmark: "sim",
    node: process.version,
    simMsgsPerSec: (flood.deliveries / flood.hostMs) * 1000,
    simMsgsPerSec32: (flood32.deliveries / flood32.hostMs) * 1000,
    boot256Ms: boot.hostMs,
    boot256VirtualNs: boot.virtualNs,
    boot256Deliveries: boot.deliveries,
    bootShaped256Ms: shaped.hostMs,
  };
}

export const registerBenchSim: Registration = ({ bench }) => {
  bench
    .command("sim")
    .description(
      "Simulator speed: simulated deliveries per host second, and the host time of a 256-core boot.",
    )
    .addOption(jsonOption())
    .action(async (options: { json: boolean }) => {
      const r = await runBenchSim();
      const rows: ReportRow[] = [
        {
          label: "flood, 256 cores (mesh-16x16)",
          value: formatRate(r.simMsgsPerSec),
          note: "deliveries per host second",
        },
        {
          label: "flood, 32 cores (amd-8x4)",
          value: formatRate(r.simMsgsPerSec32),
          note: "deliveries per host second",
        },
        {
          label: "boot scenario, 256 cores (real BootModule)",
          value: `${r.boot256Ms.toFixed(0)} ms`,
          note: `${r.boot256Deliveries} deliveries; ${r.boot256VirtualNs === null ? "n/a" : `${(r.boot256VirtualNs / 1000).toFixed(1)} µs`} virtual`,
        },
        {
          label: "boot-shaped run, 256 cores",
          value: `${r.bootShaped256Ms.toFixed(0)} ms`,
          note: "bench/sim.ts",
        },
      ];
      printResult(`bench sim (node ${r.node})`, rows, r, commandOutput(options.json));
    });
};
