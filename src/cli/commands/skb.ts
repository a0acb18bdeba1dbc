// `multikernel skb`: boots, has the SKB measure every pair of cores, and prints the latency matrix,
// the package groups (and why: sysfs, measured clustering, or flat) and the NUMA-aware multicast
// tree from a chosen root; --json prints the SKB's facts as one JSON object on the last line.
import { availableParallelism } from "node:os";
import { coresMax } from "../../limits.js";
import { boot } from "../../platform/real/boot.js";
import { formatSkb } from "../../skb/format.js";
import { integerArgument } from "../arguments.js";
import type { Registration } from "../registration.js";

export const registerSkb: Registration = ({ program }) => {
  program
    .command("skb")
    .description(
      "Measure the URPC latency between every pair of cores; print the matrix, the groups and a multicast tree.",
    )
    .option(
      "--cores <n>",
      `cores to boot, 1 to ${coresMax}`,
      integerArgument("--cores", 1, coresMax),
      availableParallelism(),
    )
    .option(
      "--root <core>",
      "root of the printed multicast tree",
      integerArgument("--root", 0, coresMax - 1),
      0,
    )
    .option("--json", "print the SKB as one JSON object on the last line", false)
    .action(async (options: { cores: number; root: number; json: boolean }) => {
      if (options.root >= options.cores) {
        throw new Error(`--root ${options.root} is not a booted core (cores 0..${options.cores - 1})`);
      }
      const system = await boot({ cores: options.cores, onLog: (line) => process.stderr.write(`${line}\n`) });
      try {
        const skb = system.skb!;
        process.stdout.write(`${formatSkb(skb, options.root)}\n`);
        if (options.json) process.stdout.write(`${JSON.stringify(skb.toJSON())}\n`);
      } finally {
        await system.shutdown();
      }
    });
};
