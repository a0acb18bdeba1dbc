// `multikernel skb`: boots, has the SKB measure every pair of cores, and prints the latency matrix,
// the package groups (and why: sysfs, measured clustering, or flat) and the NUMA-aware multicast
// tree from a chosen root; --json prints the SKB's facts as one JSON object, alone on standard output.
// --save-machine FILE writes a simulator machine file made from the measurements (the host model:
// `multikernel sim --machine FILE …` then simulates this machine).
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { basename } from "node:path";
import { measureUrpcChannel } from "../../bench/urpc-channel.js";
import { realCoresMax } from "../../limits.js";
import { boot } from "../../platform/real/boot.js";
import { hostMachineSpec } from "../../platform/sim/host-machine.js";
import { loadMachine } from "../../platform/sim/machine.js";
import { formatSkb } from "../../skb/format.js";
import { describeHostMachine } from "../../skb/model.js";
import { coreCountArgument, integerArgument, UsageError } from "../arguments.js";
import { commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

/** The CPU clock in MHz: from os.cpus(), else /proc/cpuinfo's "cpu MHz" (virtual machines); 0 if neither says. */
function hostClockMHz(): number {
  const reported = cpus()[0]?.speed ?? 0;
  if (reported > 0) return reported;
  try {
    const match = /^cpu MHz\s*:\s*([\d.]+)/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

/** Round trips of the throughput measurement behind --save-machine. */
const hostModelRounds = 2_000;

export const registerSkb: Registration = ({ program }) => {
  program
    .command("skb")
    .description(
      "Measure the URPC latency between every pair of cores; print the matrix, the groups and a multicast tree.",
    )
    .option(
      "--cores <n>",
      `cores to boot, 1 to ${realCoresMax}`,
      coreCountArgument("--cores", 1, realCoresMax),
      availableParallelism(),
    )
    .option(
      "--root <core>",
      "root of the printed multicast tree",
      integerArgument("--root", 0, realCoresMax - 1),
      0,
    )
    .addOption(jsonOption())
    .option("--save-machine <file>", "write a simulator machine file (JSON) made from these measurements")
    .action(async (options: { cores: number; root: number; json: boolean; saveMachine?: string }) => {
      if (options.root >= options.cores) {
        throw new UsageError(`--root ${options.root} is not a booted core (cores 0..${options.cores - 1})`);
      }
      const output = commandOutput(options.json);
      const system = await boot({ cores: options.cores, onLog: (line) => process.stderr.write(`${line}\n`) });
      try {
        const skb = system.skb!;
        output.text(formatSkb(skb, options.root));
        output.json(skb.toJSON());
      } finally {
        await system.shutdown();
      }
      if (options.saveMachine !== undefined) {
        const clockMHz = hostClockMHz();
        if (!(clockMHz > 0))
          throw new Error("--save-machine: the OS reports no CPU clock rate (os.cpus, /proc/cpuinfo)");
        process.stderr.write("measuring URPC streaming throughput for the machine file…\n");
        const { urpcMsgsPerSec } = await measureUrpcChannel(hostModelRounds, hostModelRounds / 10);
        const spec = hostMachineSpec({
          // A machine file's name is its file's name (machine.ts checks it).
          name: basename(options.saveMachine, ".json"),
          description: describeHostMachine(system.skb!),
          clockGHz: clockMHz / 1000,
          msgsPerSec: urpcMsgsPerSec,
        });
        writeFileSync(options.saveMachine, `${JSON.stringify(spec, null, 2)}\n`);
        loadMachine(options.saveMachine); // the file must load: this throws, naming the field, if not
        process.stderr.write(`machine file written to ${options.saveMachine}\n`);
      }
    });
};
