// DomainContext: everything a domain's code may use, given to its `main` on each core it spans.
//
// A domain is a user program, a module with a `main`, spawned on a set of cores with one
// dispatcher per core (src/domain/dispatcher.ts); `main` runs once on each of them with that core's
// context. Time, randomness, timers and channels all come through the context, from the platform,
// so a domain written for the real platform runs unchanged in the simulator. Services are exported
// and bound by name through the monitors; a binding is a typed rpc client over a channel of its own.
// Data flows in as `ctx.args` (what the caller of `run` passed, a copy per core; the strings after
// `--` on the command line) and out as what main returns: an exit status (an integer 0–255) or any
// other structured-cloneable value, the core's result (src/monitor/exit-status.ts).
import type {
  AppliedObserver,
  ReplicatedObjectDefinition,
  ReplicationMode,
  UpdateResult,
} from "../monitor/replication-api.js";
import type { RpcClient, RpcDeclaration, RpcHandlers, RpcInterface } from "../rpc/rpc.js";
import type { AddressSpace, AddressSpaceOptions } from "../vm/address-space.js";

/** Options of a binding. */
export interface BindOptions {
  /**
   * A call with no reply after this many milliseconds (platform time) rejects, "no reply within";
   * default limits.rpcCallTimeoutMsDefault (30 s); `Infinity` waits forever (a handler that may
   * legitimately take unboundedly long). Calls are swept, not timed one by one: a call rejects
   * between this and (1 + 1/limits.rpcCallTimeoutSweeps) times this after it was sent.
   */
  readonly callTimeoutMs?: number;
}

/**
 * What a domain's main gets on each core. `Args` is the type of `args`, as the domain expects the
 * caller to pass it: `DomainContext<string[]>` for a domain run from the command line.
 */
export interface DomainContext<Args = unknown> {
  /**
   * The run's arguments: `run(program, cores, { args })`'s `args`, structured-cloned (each core has
   * its own copy), or the strings after `--` of `multikernel run FILE -- ARG…`; `[]` when none.
   */
  readonly args: Args;
  /** The core this dispatcher runs on. */
  readonly coreId: number;
  /** Every core the domain spans, ascending. */
  readonly cores: readonly number[];
  /** The domain's id, the same on every core it spans. */
  readonly domainId: number;
  /** A line of output, through the platform's log (which prefixes the core). */
  log(...args: unknown[]): void;
  /** Platform time in nanoseconds (virtual in the simulator). */
  nowNs(): number;
  /** A uniformly distributed number in [0, 1), from the platform (seeded in the simulator). */
  random(): number;
  /** Resolves after at least `ms` milliseconds of platform time. */
  sleep(ms: number): Promise<void>;
  /** Exports a service under `name` on interface `rpc`; resolves once the name service has it. */
  export<R extends RpcDeclaration>(
    name: string,
    rpc: RpcInterface<R>,
    handlers: RpcHandlers<R>,
  ): Promise<void>;
  /** Binds to the service `name`, which must export `rpc`; resolves with a typed client. */
  bind<R extends RpcDeclaration>(
    name: string,
    rpc: RpcInterface<R>,
    options?: BindOptions,
  ): Promise<RpcClient<R>>;

  // ---- Replicated objects (src/monitor/replication-api.ts) ----------------------------------------
  /**
   * This core's replica of the domain's object `name`. Every core in `definition.cores` (default:
   * every core of the domain) must call it with the same name and definition. Reads are local;
   * updates run through the monitors, one-phase or two-phase. Names are the domain's own: two
   * domains' objects of the same name are different objects.
   */
  replicated<T, U>(name: string, definition: ReplicatedObjectDefinition<T, U>): DomainReplica<T, U>;

  // ---- Virtual memory (src/domain/address-space.ts, docs/vm.md) ---------------------------------
  /**
   * This core's handle on the domain's address space `name`. Every core of the domain must call it
   * with the same name and protocol. map/unmap/protect resolve once every core sees the change;
   * translate is local. Throws where the platform has no virtual memory.
   */
  addressSpace(name: string, options: AddressSpaceOptions): AddressSpace;
}

/** A domain's replica of a replicated object. */
export interface DomainReplica<T, U> {
  /** The name the domain gave it. */
  readonly name: string;
  /** The cores holding a replica, ascending. */
  readonly cores: readonly number[];
  /** This replica's state (local, no messages). */
  read(): T;
  /** Runs `update` on every replica; resolves with its place in the order once every one is done. */
  update(update: U, mode: ReplicationMode): Promise<UpdateResult>;
  /** Observes this replica's applies; returns a function that stops observing. */
  onApplied(observer: AppliedObserver<T, U>): () => void;
}

/**
 * A domain's entry point. It resolves to an exit status (an integer 0–255; undefined means 0) or to
 * a result handed back to the caller per core (any other structured-cloneable value, status 0).
 */
export type DomainMain = (ctx: DomainContext) => unknown | Promise<unknown>;
