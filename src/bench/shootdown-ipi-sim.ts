// The TLB shootdown's shared-memory baseline (what Linux and Windows do), run in the simulator as
// code on each simulated core: interrupts and shared lines, no messages.
//
// The memory is a CoherenceModel (src/platform/sim/coherence.ts) of two lines homed at the
// initiator's node: the request (the page to invalidate) and the acknowledgement counter. Steps:
//   1. the domain asks for the unmap: a system call into the initiator's kernel (SYSCALL, and
//      SYSRET once the unmap is done; kernel-calls.ts); the kernel writes the request line and
//      resets the counter (a locked write of each: coherence transactions, the handler stalls
//      until done), and invalidates its own TLB entry (INVLPG);
//   2. it sends an interrupt to every other core, one after another (Simulation.sendInterrupt:
//      each waits for the APIC to have delivered the one before, then costs the sender its send;
//      delivery, trap and return from interrupts.ts);
//   3. each core's interrupt handler reads the request line (a transaction: the line is at the
//      initiator), invalidates its TLB entry (INVLPG), and increments the counter with a locked add (a
//      transaction that takes the line from its last holder, queued at the line's home behind the
//      other cores' increments);
//   4. the initiator spins on the counter: each poll is a handler (a timer at the end of the one
//      before) that reads the counter line, which takes the line back from the last incrementer
//      whenever it changed; the unmap completes at the poll that sees every acknowledgement.
// The counter's value a poll sees is the number of increments completed by the poll's read.
// The figure is the virtual cycles from the request to that poll's end.

import type { CoreLogic } from "../cpu-driver/core-env.js";
import { CoherenceModel } from "../platform/sim/coherence.js";
import { type SimCoreEnv, Simulation } from "../platform/sim/engine.js";
import type { KernelCalls } from "../platform/sim/kernel-calls.js";
import type { Machine } from "../platform/sim/machine.js";

/** Virtual cycles before the timed unmap, so that nothing of the set-up is still in flight. */
const ipiBenchQuiesceCycles = 100_000;
/** Cycles between two polls of the counter beyond the poll itself (one spin-loop iteration). */
const ipiPollSpinCycles = 10;
/** Polls the initiator may make before the run counts as runaway. */
const ipiPollsMax = 100_000;

/**
 * One IPI shootdown on `subset` (its first core the initiator) in a fresh simulation; its cycles.
 * `kernel` charges the system call and the INVLPGs (null: none, as before kernel-calls.ts).
 */
export function simulateIpiUnmap(
  machine: Machine,
  subset: readonly number[],
  seed: number,
  kernel: KernelCalls | null = null,
): number {
  const sim = new Simulation(machine, { seed });
  const memory = new CoherenceModel(machine, sim.costs);
  const root = subset[0]!;
  const home = machine.cores[root]!.packageId;
  const requestLine = memory.addLine(home);
  const counterLine = memory.addLine(home);
  const tlbHolds = new Map<number, boolean>(subset.map((core) => [core, true]));
  const incrementedAt: number[] = [];
  let startCycles = -1;
  let doneCycles = -1;
  let polls = 0;
  const stall = (core: number, untilCycles: number): void => sim.stallUntil(core, untilCycles);

  const handler = (core: number, env: SimCoreEnv) => (): void => {
    stall(core, memory.read(core, requestLine, env.nowCycles()));
    kernel?.invalidate(env, 1);
    tlbHolds.set(core, false);
    const incremented = memory.atomicUpdate(core, counterLine, env.nowCycles());
    stall(core, incremented);
    incrementedAt.push(incremented);
  };
  const poll = (env: SimCoreEnv): void => {
    if (++polls > ipiPollsMax) throw new Error(`ipi shootdown: no completion after ${ipiPollsMax} polls`);
    const seenAt = memory.read(root, counterLine, env.nowCycles());
    stall(root, seenAt);
    const seen = incrementedAt.filter((t) => t <= seenAt).length;
    if (seen === subset.length - 1) {
      kernel?.leave(env); // back to the domain
      doneCycles = env.nowCycles();
    } else env.setTimer(ipiPollSpinCycles / machine.clockGHz, () => poll(env));
  };
  const unmap = (env: SimCoreEnv): void => {
    startCycles = env.nowCycles();
    kernel?.enter(env); // the domain's system call
    stall(root, memory.atomicUpdate(root, requestLine, env.nowCycles()));
    stall(root, memory.atomicUpdate(root, counterLine, env.nowCycles()));
    kernel?.invalidate(env, 1);
    tlbHolds.set(root, false);
    for (const core of subset) if (core !== root) sim.sendInterrupt(root, core, handlers.get(core)!);
    poll(env);
  };

  const handlers = new Map<number, () => void>();
  for (const core of subset) {
    sim.addCore(core, (env: SimCoreEnv): CoreLogic => {
      handlers.set(core, handler(core, env));
      return {
        start: () => {
          if (core === root) env.setTimer(ipiBenchQuiesceCycles / machine.clockGHz, () => unmap(env));
        },
        receive: (_from, type) => {
          throw new Error(`ipi shootdown: core ${core} got message type ${type}; the baseline sends none`);
        },
      };
    });
  }
  const stats = sim.run({ maxEvents: 4 * ipiPollsMax + 16 * subset.length + 1_000 });
  if (doneCycles < 0)
    throw new Error(
      `ipi shootdown: ${subset.length} cores of ${machine.name} did not complete (${stats.stoppedBy})`,
    );
  for (const [core, holds] of tlbHolds)
    if (holds) throw new Error(`ipi shootdown: core ${core} still caches the page after the unmap`);
  return doneCycles - startCycles;
}
