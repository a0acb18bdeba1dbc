// Test domain: on its highest core, leaves a promise rejected with no handler (rejected with a
// value whose toString throws, to check that the report describes it safely), then lets the host's
// event loop turn once, after which Node has dealt with the rejection; returns 0 everywhere. The
// core's worker must report the rejection as this domain's failure and go on.
import type { DomainContext } from "../../../src/index.js";

export const rejectionText = "a rejection this domain left unhandled";

/** A macrotask of the host: by the time it runs, unhandled rejections have been processed. */
const hostTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function main(ctx: DomainContext): Promise<number> {
  if (ctx.coreId !== ctx.cores[ctx.cores.length - 1]) return 0;
  void Promise.reject(new Error(rejectionText));
  void Promise.reject({
    toString() {
      throw new Error("toString refuses");
    },
  });
  await hostTurn();
  await hostTurn();
  return 0;
}
