// Test domain: tries to forge the reports a core sends the boot thread, by every route a domain
// can reach: the worker's parentPort, workerData's control port (if it were still there), and
// every MessagePort among the process's active handles. It claims that every run (request ids 1 to
// forgedRequestIdsMax) ended with status 0, that its dispatchers exited, and that the other core
// failed. Then it returns forgerStatus on its highest core, 0 elsewhere: the run's real status.
import { parentPort, workerData } from "node:worker_threads";
import type { DomainContext } from "../../../src/index.js";

export const forgerStatus = 5;
const forgedRequestIdsMax = 64;

interface Postable {
  postMessage(message: unknown): void;
}

function routes(): Postable[] {
  const found: Postable[] = [];
  if (parentPort !== null) found.push(parentPort);
  const data = workerData as { controlPort?: Postable } | undefined;
  if (data?.controlPort !== undefined) found.push(data.controlPort);
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  for (const handle of handles) {
    const postable = handle as Partial<Postable>;
    if (handle !== parentPort && typeof postable.postMessage === "function") found.push(handle as Postable);
  }
  return found;
}

export function main(ctx: DomainContext): number {
  const other = ctx.cores.find((core) => core !== ctx.coreId) ?? ctx.coreId;
  const forged: unknown[] = [{ kind: "peer-failed", core: other, by: ctx.coreId, reason: "forged" }];
  for (let requestId = 1; requestId <= forgedRequestIdsMax; requestId++) {
    const exits = ctx.cores.map((core) => ({ core, status: 0, error: "" }));
    forged.push({ kind: "domain-done", requestId, exits });
  }
  for (const core of ctx.cores) forged.push({ kind: "exited", domainId: 1, core });
  const reached = routes();
  for (const route of reached) for (const message of forged) route.postMessage(message);
  ctx.log(`posted ${forged.length} forged reports on ${reached.length} routes`);
  return ctx.coreId === ctx.cores[ctx.cores.length - 1] ? forgerStatus : 0;
}
