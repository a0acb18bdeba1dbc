// Test domain: on its highest core, sets a host timer (setTimeout, not the context's) that throws,
// which no main can catch, and waits until it has run (a bounded number of host turns); returns 0
// everywhere. The core's worker must report the throw as this domain's failure and go on.
import type { DomainContext } from "../../../src/index.js";

export const timerText = "thrown from a host timer of this domain";
/** Bound on the host turns waited for the timer to run. */
const hostTurnsMax = 100_000;

const hostTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function main(ctx: DomainContext): Promise<number> {
  if (ctx.coreId !== ctx.cores[ctx.cores.length - 1]) return 0;
  let fired = false;
  setTimeout(() => {
    fired = true;
    throw new Error(timerText);
  }, 0);
  for (let turn = 0; !fired && turn < hostTurnsMax; turn++) await hostTurn();
  if (!fired) throw new Error(`the host timer did not run within ${hostTurnsMax} host turns`);
  return 0;
}
