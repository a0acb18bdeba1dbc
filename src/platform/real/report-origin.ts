// Which core's control channel may carry which report (control.ts): the boot thread's check of a
// report's origin before it believes it.
//
// Each core's worker reports over a private MessagePort that the boot thread hands it at start
// (boot.ts's startWorker; core-worker.ts takes it out of workerData before any domain loads), so a
// report's channel names the core that sent it. What a domain posts on the worker's parentPort is
// not a report. The port is not secret from code in the same isolate (process._getActiveHandles
// lists it), so each report also carries the core's key: random bytes the boot thread gave the
// core in workerData, which core-worker.ts takes out before any domain loads and keeps in its
// module scope only; a report without it is ignored. Then the report must agree with its channel: a
// core speaks only for itself ("up", "exited", "stopped", ...: its `core` is its own), a detector's
// verdict is signed by its own core (`by`), and a run's outcome ("spawned", "spawn-failed",
// "domain-done") comes from the BSP, the core the boot thread asks to spawn. So a domain cannot
// end another run, change its exit status, or declare a core failed by posting a message.

import type { ControlReport } from "./control.js";

/** Bytes of randomness in a core's report key. */
export const reportKeyBytes = 16;

/** A report as it travels: signed with its core's key. */
export type SignedReport = ControlReport & { readonly key?: unknown };

/** Why a report that came over `fromCore`'s control channel is not believed, or undefined. */
export function reportOriginError(
  fromCore: number,
  bspCore: number,
  report: ControlReport,
): string | undefined {
  switch (report.kind) {
    case "spawned":
    case "spawn-failed":
    case "domain-done":
    case "all-connected":
    case "latency":
      return fromCore === bspCore
        ? undefined
        : `a ${report.kind} report comes from the BSP (core ${bspCore}) only`;
    case "peer-failed":
      return report.by === fromCore ? undefined : `a verdict signed by core ${report.by}`;
    case "trace":
    case "connected":
      return undefined;
    default:
      return report.core === fromCore ? undefined : `a ${report.kind} report for core ${report.core}`;
  }
}
