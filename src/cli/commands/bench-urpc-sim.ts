// `multikernel bench urpc --machine NAME`: the simulated Table 2 of a machine model, instead of a
// measurement of this host.
//
// For each path class of the machine (the paper's names: shared, non-shared, same-die, one-hop,
// two-hop, ...) the simulator measures a pair of cores of that class (src/platform/sim/
// urpc-table.ts): ping-pong one-way latency in cycles and streaming throughput in messages per
// kilocycle. The table shows the paper's values beside them where the machine is calibrated from
// the paper; --json prints {"machine", "paths": [{"class", "latencyCycles", "msgsPerKcycle", ...}]}
// alone on standard output.
import { printResult, type ReportRow, type ResultSink } from "../../bench/report.js";
import { listMachines, simulateUrpcTable } from "../../platform/sim/index.js";
import { UsageError } from "../arguments.js";

export function runBenchUrpcSim(machine: string, output: ResultSink): void {
  if (!listMachines().includes(machine) && !machine.endsWith(".json"))
    throw new UsageError(`bench urpc: unknown machine '${machine}' (known: ${listMachines().join(", ")})`);
  const table = simulateUrpcTable(machine);
  const rows: ReportRow[] = [];
  for (const p of table.paths) {
    const paper =
      p.paperLatencyCycles === undefined
        ? "no paper value"
        : `paper: ${p.paperLatencyCycles} cycles, ${p.paperMsgsPerKcycle} msgs/kcycle`;
    rows.push({
      label: `${p.class} (cores ${p.cores[0]}→${p.cores[1]}, ${p.pathClass})`,
      value: `${p.latencyCycles.toFixed(1)} cycles, ${p.msgsPerKcycle.toFixed(3)} msgs/kcycle`,
      note: paper,
    });
  }
  const report = {
    benchmark: "urpc",
    simulated: true,
    machine: table.machine,
    clockGHz: table.clockGHz,
    paths: table.paths.map((p) => ({
      class: p.class,
      pathClass: p.pathClass,
      cores: p.cores,
      latencyCycles: p.latencyCycles,
      msgsPerKcycle: p.msgsPerKcycle,
      paperLatencyCycles: p.paperLatencyCycles ?? null,
      paperMsgsPerKcycle: p.paperMsgsPerKcycle ?? null,
    })),
  };
  printResult(`bench urpc --machine ${table.machine} (simulated Table 2)`, rows, report, output);
}
