// The control plane between the boot thread and the core workers: rare, small messages over
// postMessage (start, spawn, measure, shutdown, logs). The data plane — everything between cores —
// is URPC; nothing here is on a hot path.
import type { DispatcherExit } from "../../monitor/spawn.js";
import type { CoreTraceData } from "./core-trace.js";

/** Boot thread → a core's worker. */
export type ControlRequest =
  | { readonly kind: "start-others" }
  | { readonly kind: "measure"; readonly warmupRounds: number; readonly rounds: number }
  | {
      readonly kind: "spawn";
      readonly requestId: number;
      readonly program: string;
      readonly cores: readonly number[];
    }
  | { readonly kind: "shutdown" }
  /** The SKB's measured round trips, for each core's vm module (packages and multicast trees). */
  | { readonly kind: "skb"; readonly rows: readonly (readonly number[])[] };

/** A core's worker → the boot thread. */
export type ControlReport =
  | { readonly kind: "up"; readonly core: number; readonly pinned: boolean; readonly pinReason?: string }
  | { readonly kind: "start-core"; readonly core: number }
  | { readonly kind: "connected"; readonly core: number }
  | { readonly kind: "all-connected" }
  | { readonly kind: "latency"; readonly rows: number[][] }
  | { readonly kind: "spawned"; readonly requestId: number; readonly domainId: number }
  | { readonly kind: "spawn-failed"; readonly requestId: number; readonly error: string }
  | { readonly kind: "domain-done"; readonly requestId: number; readonly exits: readonly DispatcherExit[] }
  | { readonly kind: "log"; readonly core: number; readonly line: string }
  | { readonly kind: "skb-set"; readonly core: number }
  | { readonly kind: "trace"; readonly data: CoreTraceData }
  | {
      readonly kind: "stopped";
      readonly core: number;
      readonly delivered: number;
      readonly receiveErrors: number;
      readonly sleeps: number;
      readonly sleepsWithCallsInFlight: number;
    };
