// Dispatcher: one domain's presence on one core.
//
// In Barrelfish a domain has one dispatcher per core it spans; the dispatcher is what the CPU
// driver schedules and what owns the domain's channel ends on that core. Here a Dispatcher holds:
//   - the services the domain exports from this core (name → interface and handlers),
//   - the connections accepted for them (one rpc server per channel),
//   - the bindings it made (one rpc client per channel),
//   - the timers its sleeps are waiting on,
// and builds the DomainContext given to the domain's main. Exports and binds go through the
// monitor's name service and binding modules, replicated objects through its replication module
// (named `domain<id>/<name>` there, so that each domain has its own); everything else comes from
// the platform's CoreEnv.
// `ctx.args` is what the platform gave the constructor (`[]` when nothing). `run(main)` resolves with
// the exit status (a result main returns counts as status 0: exit-status.ts). The dispatcher keeps serving its exports after main
// returns (a server's main typically exports and returns); `close()` ends it: every channel is
// closed (each of its services' clients is told "its domain ended", so their calls in flight
// reject at once), its own calls in flight are rejected, sleeps are cancelled, and binds to it are
// refused; its replicated objects are released on this core (the replication module forgets them
// and rejects their updates in flight) and its address spaces closed (the vm module then drops
// their late messages), so that ended domains never fill those modules' bounds. Every binding it
// makes has a call timeout (rpcCallTimeoutMsDefault unless the bind says otherwise), and `peerCoreFailed(core, reason)`, called by the platform when it declares a
// core failed, fails every binding whose server is on that core and closes every connection
// whose client is.
import { format } from "node:util";
import type { CoreEnv, TimerHandle } from "../cpu-driver/core-env.js";
import { domainSleepMsMax, rpcCallTimeoutMsDefault, servicesPerDispatcherMax } from "../limits.js";
import type { Binding, BindTarget, BoundService, Connection, ExportedService } from "../monitor/binding.js";
import { exitOutcomeOf } from "../monitor/exit-status.js";
import { checkServiceName, type NameService } from "../monitor/name-service.js";
import type { ReplicationModule } from "../monitor/replication.js";
import type { ReplicatedObjectDefinition } from "../monitor/replication-api.js";
import type { VmModule } from "../monitor/vm-module.js";
import {
  errorText,
  type RpcClient,
  type RpcDeclaration,
  RpcError,
  type RpcHandlers,
  type RpcInterface,
} from "../rpc/rpc.js";
import { DomainAddressSpaces } from "./address-space.js";
import type { BindOptions, DomainContext, DomainMain, DomainReplica } from "./domain-context.js";

/** What a dispatcher needs of its core: the platform and the monitor's modules. */
export interface DispatcherHost {
  readonly env: CoreEnv;
  readonly nameService: NameService;
  readonly binding: Binding;
  /** Read when a domain first asks for a replicated object. */
  readonly replication: ReplicationModule;
  /** The monitor's virtual-memory module, where the platform added one (read by addressSpace). */
  readonly vm?: VmModule | undefined;
}

/** What a dispatcher is given beside its core and domain. */
export interface DispatcherOptions {
  /** The domain's arguments on this core (its own copy), as `ctx.args`; default a new `[]`. */
  readonly args?: unknown;
}

export class Dispatcher implements BindTarget {
  readonly coreId: number;
  readonly context: DomainContext;
  private readonly env: CoreEnv;
  private readonly exports = new Map<string, ExportedService>();
  private readonly connections = new Set<Connection>();
  private readonly bindings = new Set<BoundService<RpcDeclaration>>();
  private readonly sleeps = new Set<TimerHandle>();
  /** Names the name service holds for this dispatcher. */
  private readonly registered = new Set<string>();
  private closed = false;
  private addressSpaces: DomainAddressSpaces | undefined;

  constructor(
    private readonly host: DispatcherHost,
    readonly domainId: number,
    cores: readonly number[],
    options: DispatcherOptions = {},
  ) {
    const env = host.env;
    this.env = env;
    this.coreId = env.coreId;
    if (!Number.isInteger(domainId) || domainId < 0 || domainId > 0xffff_ffff)
      throw new Error(`dispatcher: domain id ${domainId} is not a u32`);
    const spanned = [...cores].sort((a, b) => a - b);
    for (const core of spanned) {
      if (!env.coreIds.includes(core)) {
        throw new Error(`domain ${domainId}: core ${core} does not exist (cores: ${env.coreIds.join(", ")})`);
      }
    }
    if (new Set(spanned).size !== spanned.length)
      throw new Error(`domain ${domainId}: a core is listed twice`);
    if (!spanned.includes(env.coreId))
      throw new Error(`domain ${domainId}: spans cores ${spanned.join(", ")}, not this core ${env.coreId}`);
    host.binding.attach(domainId, this);
    this.context = this.makeContext(Object.freeze(spanned), options.args === undefined ? [] : options.args);
  }

  /**
   * Runs the domain's main on this core; resolves with its exit status (a throw, or a value that is
   * neither a status nor a result that can be handed back, logs and gives 1).
   */
  async run(main: DomainMain): Promise<number> {
    let result: unknown;
    try {
      result = await main(this.context);
    } catch (error) {
      this.env.log(`domain ${this.domainId}: main failed: ${errorText(error)}`);
      return 1;
    }
    const outcome = exitOutcomeOf(result);
    if (outcome.error !== "") this.env.log(`domain ${this.domainId}: ${outcome.error}`);
    return outcome.status;
  }

  /** Ends this dispatcher; idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.host.binding.detach(this.domainId);
    for (const timer of this.sleeps) timer.cancel();
    this.sleeps.clear();
    for (const bound of this.bindings) bound.client.close();
    this.bindings.clear();
    for (const connection of this.connections) connection.close(this.endedReason());
    this.connections.clear();
    // Names are freed split-phase; a bind that races with it is refused by the binding module.
    for (const name of this.registered) {
      this.host.nameService
        .unregister(name, this.coreId, this.domainId)
        .catch((error: unknown) =>
          this.env.log(`domain ${this.domainId}: unregister "${name}": ${errorText(error)}`),
        );
    }
    this.registered.clear();
    this.exports.clear();
    this.addressSpaces?.closeAll();
    this.host.vm?.domainEnded(this.domainId);
    this.host.replication.releaseScope(this.replicaName(""), this.endedReason());
  }

  /**
   * The platform declared core `coreId` failed: every binding whose server is there rejects its
   * calls in flight (and later ones) naming the core and `reason`, and closes; every connection
   * whose client is there is closed. Returns how many bindings failed.
   */
  peerCoreFailed(coreId: number, reason: string): number {
    let failed = 0;
    for (const bound of [...this.bindings]) {
      if (bound.serverCore !== coreId) continue;
      bound.fail(`core ${coreId}, where service "${bound.serviceName}" runs, failed: ${reason}`);
      this.bindings.delete(bound);
      failed++;
    }
    for (const connection of [...this.connections]) {
      if (connection.clientCore !== coreId) continue;
      connection.close(`its client's core ${coreId} failed: ${reason}`);
      this.connections.delete(connection);
    }
    return failed;
  }

  /** What this dispatcher's clients are told when it ends. */
  private endedReason(): string {
    return `its domain ${this.domainId} on core ${this.coreId} ended`;
  }

  /** Services exported from this core, by name (for traces and tests). */
  exportedNames(): string[] {
    return [...this.exports.keys()];
  }

  // ---- BindTarget: the binding module's view of this dispatcher ----------------------------------

  exportedService(name: string): ExportedService | undefined {
    return this.exports.get(name);
  }

  connectionAccepted(connection: Connection): void {
    if (this.closed) {
      connection.close(this.endedReason());
      return;
    }
    this.connections.add(connection);
  }

  connectionClosed(connection: Connection): void {
    this.connections.delete(connection);
  }

  /** Connections accepted for this dispatcher's exports and still open. */
  connectionCount(): number {
    return this.connections.size;
  }

  channelError(error: Error): void {
    this.env.log(`domain ${this.domainId}: channel error: ${error.message}`);
  }

  // ---- The DomainContext --------------------------------------------------------------------------

  private checkOpen(what: string): void {
    if (this.closed)
      throw new Error(`domain ${this.domainId} on core ${this.coreId}: ${what} after the dispatcher closed`);
  }

  private async exportService<R extends RpcDeclaration>(
    name: string,
    rpc: RpcInterface<R>,
    handlers: RpcHandlers<R>,
  ): Promise<void> {
    this.checkOpen(`export "${name}"`);
    checkServiceName(name);
    for (const method of rpc.methods) {
      if (typeof (handlers as Record<string, unknown>)[method] !== "function")
        throw new Error(`export "${name}": no handler for ${rpc.name}.${method}`);
    }
    if (this.exports.has(name)) throw new Error(`export "${name}": this dispatcher already exports it`);
    if (this.exports.size >= servicesPerDispatcherMax) {
      throw new Error(
        `export "${name}": ${servicesPerDispatcherMax} services already exported (servicesPerDispatcherMax)`,
      );
    }
    // Held locally before the name is published, so that a bind arriving right after finds it.
    this.exports.set(name, { rpc, handlers } as unknown as ExportedService);
    try {
      await this.host.nameService.register({
        name,
        interfaceName: rpc.name,
        fingerprint: rpc.fingerprint,
        coreId: this.coreId,
        dispatcherId: this.domainId,
      });
    } catch (error) {
      this.exports.delete(name);
      throw new Error(
        `export "${name}": ${error instanceof RpcError ? error.remoteMessage : errorText(error)}`,
      );
    }
    if (this.closed) {
      // Closed while registering: free the name at once, as close() would have.
      await this.host.nameService.unregister(name, this.coreId, this.domainId);
      throw new Error(`export "${name}": the dispatcher closed while exporting`);
    }
    this.registered.add(name);
  }

  private async bindService<R extends RpcDeclaration>(
    name: string,
    rpc: RpcInterface<R>,
    options: BindOptions,
  ): Promise<RpcClient<R>> {
    this.checkOpen(`bind "${name}"`);
    const timeoutMs = options.callTimeoutMs ?? rpcCallTimeoutMsDefault;
    if (timeoutMs !== Number.POSITIVE_INFINITY && !(timeoutMs > 0 && timeoutMs <= domainSleepMsMax)) {
      throw new Error(
        `bind "${name}": callTimeoutMs ${timeoutMs} is not in (0, ${domainSleepMsMax}] nor Infinity (no bound)`,
      );
    }
    const bound = await this.host.binding.bindEnd(name, rpc, {
      onError: (error) => this.channelError(error),
      activity: this.env.activity,
      ...(timeoutMs === Number.POSITIVE_INFINITY
        ? {}
        : {
            callTimeout: {
              ns: timeoutMs * 1e6,
              setTimer: (delayNs, onFire) => this.env.setTimer(delayNs, onFire),
            },
          }),
    });
    if (this.closed) {
      bound.client.close();
      throw new Error(`bind "${name}": the dispatcher closed while binding`);
    }
    this.bindings.add(bound as unknown as BoundService<RpcDeclaration>);
    return bound.client;
  }

  // ---- Replicated objects --------------------------------------------------------------------------

  /** The name of a domain's object in the replication module: scoped by the domain's id. */
  private replicaName(name: string): string {
    return `domain${this.domainId}/${name}`;
  }

  private replicated<T, U>(name: string, definition: ReplicatedObjectDefinition<T, U>): DomainReplica<T, U> {
    this.checkOpen(`replicated("${name}")`);
    if (typeof name !== "string" || name.length === 0)
      throw new Error(`replicated: the object's name must be a non-empty string`);
    const cores = definition.cores ?? this.context.cores;
    for (const core of cores) {
      if (!this.context.cores.includes(core)) {
        throw new Error(
          `replicated("${name}"): core ${core} is not one of the domain's cores (${this.context.cores.join(", ")})`,
        );
      }
    }
    const object = this.host.replication.create(this.replicaName(name), { ...definition, cores });
    const replica: DomainReplica<T, U> = {
      name,
      cores: object.cores,
      read: () => object.read(),
      update: (update: U, mode) => object.update(update, { mode }),
      onApplied: (observer) => object.onApplied(observer),
    };
    return Object.freeze(replica);
  }

  private sleep(ms: number): Promise<void> {
    this.checkOpen("sleep");
    if (typeof ms !== "number" || !(ms >= 0) || ms > domainSleepMsMax)
      throw new Error(`sleep(${ms}): milliseconds must be in [0, ${domainSleepMsMax}] (domainSleepMsMax)`);
    return new Promise((resolve) => {
      const timer = this.env.setTimer(ms * 1e6, () => {
        this.sleeps.delete(timer);
        resolve();
      });
      this.sleeps.add(timer);
    });
  }

  private makeContext(cores: readonly number[], args: unknown): DomainContext {
    const env = this.env;
    const context: DomainContext = {
      args,
      coreId: this.coreId,
      cores,
      domainId: this.domainId,
      log: (...args) => env.log(format(...args)),
      nowNs: () => env.nowNs(),
      random: () => env.random(),
      sleep: (ms) => {
        try {
          return this.sleep(ms);
        } catch (error) {
          return Promise.reject(error);
        }
      },
      export: (name, rpc, handlers) => this.exportService(name, rpc, handlers),
      bind: (name, rpc, options = {}) => this.bindService(name, rpc, options),
      replicated: (name, definition) => this.replicated(name, definition),
      addressSpace: (name, options) => {
        this.checkOpen(`addressSpace("${name}")`);
        this.addressSpaces ??= new DomainAddressSpaces(this.host.vm, this.domainId, cores);
        return this.addressSpaces.get(name, options);
      },
    };
    return Object.freeze(context);
  }
}
