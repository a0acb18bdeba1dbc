// The control plane between the boot thread and the core workers: rare messages over a private
// MessagePort per core (report-origin.ts: up, spawn, measure, shutdown, CPU time, logs, a
// dispatcher's exit, a peer core declared failed), and the data a run hands in and out: a domain's arguments, to every core of it (domain-args.ts),
// and each core's result, with its "exited" report. Both are structured clones, bounded by
// limits.domainArgsBytesMax and domainResultBytesMax. The data plane — everything between cores —
// is URPC; nothing here is on a hot path.
import type { MessagePort } from "node:worker_threads";
import type { DispatcherExit } from "../../monitor/spawn.js";
import type { CoreTraceData } from "./core-trace.js";
import type { CoreWorkerData } from "./real-core.js";

/**
 * What a core's worker is given at start: the core's data, its failure detector's settings (see
 * core-worker.ts), and for tests a failure to stage.
 */
export interface CoreStartData extends CoreWorkerData {
  /** The failure detector's heartbeat period, and the silent periods after which a peer is failed. */
  readonly heartbeatIntervalNs: number;
  readonly heartbeatMissesMax: number;
  readonly startFault?: CoreStartFault["kind"];
  /**
   * The worker's private control channel to the boot thread (requests in, reports out): taken out
   * of workerData by core-worker.ts before any domain loads (report-origin.ts says why).
   */
  readonly controlPort?: MessagePort;
  /** The secret that signs the core's reports (report-origin.ts), taken out as the port is. */
  readonly reportKey?: string;
}

/**
 * For tests only: make one core fail to start, to check that boot reports it and leaves nothing
 * behind. "throw": the worker throws before it reports up; "hang": it never reports up.
 */
export interface CoreStartFault {
  readonly core: number;
  readonly kind: "throw" | "hang";
}

/** Boot thread → a core's worker. */
export type ControlRequest =
  | { readonly kind: "measure"; readonly warmupRounds: number; readonly rounds: number }
  | {
      readonly kind: "spawn";
      readonly requestId: number;
      readonly program: string;
      readonly cores: readonly number[];
      /** The key of the domain's arguments, delivered beforehand by "domain-args"; 0: none. */
      readonly argsKey: number;
    }
  /** A domain's arguments, held under `key` until its dispatcher on this core claims them. */
  | { readonly kind: "domain-args"; readonly key: number; readonly args: unknown }
  /** The spawn of the domain whose arguments are held under `key` failed: let them go. */
  | { readonly kind: "domain-args-drop"; readonly key: number }
  /** BSP only: give up the domain of spawn request `requestId` (aborted or timed out): spawn.ts's abandon. */
  | { readonly kind: "abandon"; readonly requestId: number; readonly reason: string }
  | { readonly kind: "shutdown" }
  /** The SKB's measured round trips, for each core's vm module (packages and multicast trees). */
  | { readonly kind: "skb"; readonly rows: readonly (readonly number[])[] }
  /** Read the core's thread CPU time now (thread-cpu.ts); answered by "cpu-time". */
  | { readonly kind: "cpu-time"; readonly requestId: number }
  /** Boot is complete: the failure detector starts watching every peer (liveness.ts, arm). */
  | { readonly kind: "arm-detector" };

/**
 * When a core's start-up steps ended, each in ms since the epoch (performance.timeOrigin + now(),
 * comparable across threads): the boot log turns them into how long each step took.
 */
export interface CoreStartTimes {
  /** Node's bootstrap of the thread complete (nodeTiming): about to load the core's program. */
  readonly bootstrappedAtMs: number;
  /** Every module of the core's program imported and evaluated. */
  readonly loadedAtMs: number;
  /** Its pin known (started before loading; see core-entry.ts): pinned, or why not. */
  readonly pinnedAtMs: number;
  /** Its channels opened and its monitor built: about to enter the poll loop. */
  readonly builtAtMs: number;
}

/** A core's worker → the boot thread. */
export type ControlReport =
  | {
      readonly kind: "up";
      readonly core: number;
      readonly pinned: boolean;
      readonly pinReason?: string;
      readonly times: CoreStartTimes;
    }
  | { readonly kind: "connected"; readonly core: number }
  | { readonly kind: "all-connected" }
  | { readonly kind: "latency"; readonly rows: number[][] }
  | { readonly kind: "spawned"; readonly requestId: number; readonly domainId: number }
  | { readonly kind: "spawn-failed"; readonly requestId: number; readonly error: string }
  | { readonly kind: "domain-done"; readonly requestId: number; readonly exits: readonly DispatcherExit[] }
  /**
   * A dispatcher's main ended on this core (so that a run's bound can name the cores still
   * running), with its result when it returned one (exit-status.ts; absent otherwise).
   */
  | { readonly kind: "exited"; readonly domainId: number; readonly core: number; readonly value?: unknown }
  /** This core's failure detector declared `core` failed (liveness.ts), for `reason`. */
  | { readonly kind: "peer-failed"; readonly core: number; readonly by: number; readonly reason: string }
  | { readonly kind: "log"; readonly core: number; readonly line: string }
  | { readonly kind: "skb-set"; readonly core: number }
  | { readonly kind: "trace"; readonly data: CoreTraceData }
  /** The answer to "cpu-time": the thread's CPU time, or why it cannot be read. */
  | {
      readonly kind: "cpu-time";
      readonly core: number;
      readonly requestId: number;
      /** ms since the epoch when it was read. */
      readonly atMs: number;
      readonly cpuNs: number | null;
      readonly error?: string;
    }
  | CoreStopReport;

/** What a core reports when it stops: its counters over the whole run. */
export interface CoreStopReport {
  readonly kind: "stopped";
  readonly core: number;
  readonly delivered: number;
  readonly receiveErrors: number;
  readonly sleeps: number;
  readonly sleepsWithCallsInFlight: number;
}
