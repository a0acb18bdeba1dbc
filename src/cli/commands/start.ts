// `multikernel start` (what `npm start` runs): the main job, a tour of the system on this machine.
//
//   1. boot one CPU driver and monitor per core, printing the boot log with each step's time;
//   2. print what the SKB measured: the round-trip matrix, the package groups, a multicast tree;
//   3. run the demonstration domains across every core and print what they printed:
//      examples/kv-store (a sharded key-value store, one shard per core, every access a message,
//      with a replicated configuration) and examples/tlb-shootdown (the paper's case study: one
//      unmap across all cores with each shootdown protocol and the shared-memory baseline, timed);
//   4. shut down cleanly, printing each core's message count.
// It exits with status 0 only if every step succeeded. With --json all of that goes to standard
// error and standard output carries `{ cores, bootMs, latencyNs, demos, failed }`.
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { shootdownLinePrefix } from "../../bench/shootdown-real.js";
import { realCoresMax } from "../../limits.js";
import { boot } from "../../platform/real/boot.js";
import { formatSkb } from "../../skb/format.js";
import { coreCountArgument } from "../arguments.js";
import { type CommandOutput, commandOutput, jsonOption } from "../output.js";
import type { Registration } from "../registration.js";

/** The demonstration domains, compiled beside the CLI in dist/. */
const demoDomains = [
  {
    title: "sharded key-value store (examples/kv-store.ts)",
    url: new URL("../../../examples/kv-store.js", import.meta.url),
  },
  {
    title: "TLB shootdown, the paper's case study (examples/tlb-shootdown.ts)",
    url: new URL("../../../examples/tlb-shootdown.js", import.meta.url),
  },
];

/** A section's heading, for people. */
function heading(output: CommandOutput, text: string): void {
  output.text(`\n== ${text}`);
}

export const registerStart: Registration = ({ program }) => {
  program
    .command("start")
    .description("The main job: boot on every core, show the SKB, run the demonstration domains, shut down.")
    .option(
      "--cores <n>",
      `cores to boot, 1 to ${realCoresMax}`,
      coreCountArgument("--cores", 1, realCoresMax),
      availableParallelism(),
    )
    .addOption(jsonOption())
    .action(async (options: { cores: number; json: boolean }) => {
      const output = commandOutput(options.json);
      heading(output, `booting a multikernel on ${options.cores} cores (${availableParallelism()} CPUs)`);
      const system = await boot({
        cores: options.cores,
        // The TLB example's JSON line is for tools (bench unmap reads it); people get its table.
        onLog: (line) => {
          if (!line.includes(shootdownLinePrefix)) output.text(line);
        },
      });
      const demos: object[] = [];
      let failed = 0;
      try {
        heading(output, "System Knowledge Base");
        if (system.skb !== undefined) output.text(formatSkb(system.skb, 0));
        for (const demo of demoDomains) {
          heading(output, demo.title);
          const result = await system.run(fileURLToPath(demo.url), system.coreIds);
          const verdict = result.status === 0 ? "ok" : `failed (status ${result.status})`;
          output.text(`domain ${result.domainId} on cores ${system.coreIds.join(",")}: ${verdict}`);
          for (const exit of result.exits)
            if (exit.error !== "") output.text(`  core ${exit.core}: ${exit.error}`);
          if (result.status !== 0) failed++;
          demos.push({
            title: demo.title,
            domainId: result.domainId,
            status: result.status,
            exits: result.exits,
          });
        }
      } finally {
        heading(output, "shutdown");
        await system.shutdown();
      }
      output.text(
        failed === 0 ? "\nall demonstrations ran; clean shutdown." : `\n${failed} demonstration(s) failed.`,
      );
      output.json({
        cores: options.cores,
        bootMs: system.bootMs,
        latencyNs: system.latencyNs,
        demos,
        failed,
      });
      process.exitCode = failed === 0 ? 0 : 1;
    });
};
