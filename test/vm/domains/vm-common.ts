// Shared by the vm test domains: the protocols, a bounded barrier, and a check of a VmError's code.
import type { DomainContext } from "../../../src/index.js";
import type { ShootdownProtocol } from "../../../src/vm/index.js";

export const allProtocols: readonly ShootdownProtocol[] = [
  "broadcast",
  "unicast",
  "multicast",
  "numa-multicast",
  "shared-memory",
];

/** How long one barrier may take before the domain gives up (a failed core never arrives). */
const barrierTimeoutMs = 20_000;

/** A barrier over the domain's cores (a replicated counter), each wait bounded. */
export function makeBarrier(ctx: DomainContext, name: string): () => Promise<void> {
  const counter = ctx.replicated<number, number>(name, { initial: 0, apply: (state, add) => state + add });
  let round = 0;
  return async () => {
    round++;
    const target = round * ctx.cores.length;
    await counter.update(1, "one-phase");
    if (counter.read() >= target) return;
    let stop = () => {};
    const reached = new Promise<void>((resolve) => {
      stop = counter.onApplied((_seq, _update, state) => {
        if (state >= target) resolve();
      });
    });
    let timedOut = false;
    await Promise.race([
      reached,
      ctx.sleep(barrierTimeoutMs).then(() => {
        timedOut = true;
      }),
    ]);
    stop();
    if (timedOut && counter.read() < target)
      throw new Error(
        `core ${ctx.coreId}: barrier ${name} round ${round} not reached in ${barrierTimeoutMs} ms`,
      );
  };
}

/** The code of what `run` threw or rejected with, or "ok". */
export async function codeOf(run: () => unknown): Promise<string> {
  try {
    await run();
    return "ok";
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? code : `error: ${(error as Error).message}`;
  }
}
