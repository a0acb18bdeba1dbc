// Monitor: one core's monitor, the CoreLogic a platform drives, composed of MonitorModules.
//
// As Barrelfish's usr/monitor, it coordinates with the other cores' monitors and stays out of the
// data path: each distributed operation is a module of its own (monitor-module.ts) owning a range
// of message types (message-types.ts). Every core runs the name service and binding modules (the
// name service's table lives on the lowest core only); a platform adds its own modules (boot,
// spawn, ...) with `add` before `start`; `start` adds the replicated object service
// (replication.ts) unless one was added. An incoming message goes to the first module whose
// `receive` claims it. A message nobody claims, or one whose module throws, is logged with its
// sending core and type and dropped; nothing else is affected. The monitor never creates a dispatcher:
// the layer above it (src/domain) does, given the monitor as its DispatcherHost.
//
// A platform with a failure detector (liveness.ts; on real cores, core-worker.ts adds it) tells the
// monitor of a failed core through `peerCoreFailed`; the monitor hands it to every module that
// declares `peerCoreFailed`, in the order they were added, once per core. A module that throws
// there is logged; the others still hear of it.

import type { CoreEnv, CoreLogic } from "../cpu-driver/core-env.js";
import { describeThrown } from "../cpu-driver/describe-thrown.js";
import { Binding } from "./binding.js";
import type { MonitorModule } from "./monitor-module.js";
import { NameService } from "./name-service.js";
import type { PeerFailureListener } from "./peer-failure.js";
import { ReplicationModule } from "./replication.js";
import { VmModule } from "./vm-module.js";

/** A module that wants to hear when the monitor starts, or when another core is declared failed. */
export interface StartableModule extends MonitorModule, Partial<PeerFailureListener> {
  start?(): void;
}

export class Monitor implements CoreLogic, PeerFailureListener {
  readonly nameService: NameService;
  readonly binding: Binding;
  /** Messages dropped: unknown types, or a module that threw. */
  droppedMessages = 0;
  private readonly modules: StartableModule[] = [];
  /** Cores this monitor was told have failed. */
  private readonly failedCores = new Set<number>();
  private started = false;

  constructor(readonly env: CoreEnv) {
    this.nameService = new NameService(env);
    this.binding = new Binding(env, this.nameService);
    this.modules.push(this.nameService, this.binding);
  }

  /** Adds a module; before start() only. */
  add<M extends StartableModule>(module: M): M {
    if (this.started)
      throw new Error(`monitor on core ${this.env.coreId}: add module ${module.name} before start()`);
    if (this.modules.some((m) => m.name === module.name))
      throw new Error(`monitor on core ${this.env.coreId}: a module named ${module.name} is already added`);
    this.modules.push(module);
    return module;
  }

  start(): void {
    if (this.started) throw new Error(`monitor on core ${this.env.coreId}: start() called twice`);
    // Replicated objects are served on every core; a platform or test may add its own module first.
    if (!this.modules.some((m) => m.name === "replication"))
      this.modules.push(new ReplicationModule(this.env));
    this.started = true;
    for (const module of this.modules) module.start?.();
  }

  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): void {
    for (const module of this.modules) {
      let claimed: boolean;
      try {
        claimed = module.receive(fromCore, type, bytes, length);
      } catch (error) {
        this.drop(fromCore, type, `module ${module.name} failed: ${describeThrown(error)}`);
        return;
      }
      if (claimed) return;
    }
    this.drop(fromCore, type, "no module handles this type");
  }

  /** Another core was declared failed: every module that handles failures hears of it, once. */
  peerCoreFailed(coreId: number, reason: string): void {
    if (coreId === this.env.coreId || this.failedCores.has(coreId)) return;
    this.failedCores.add(coreId);
    for (const module of this.modules) {
      try {
        module.peerCoreFailed?.(coreId, reason);
      } catch (error) {
        this.env.log(
          `monitor: module ${module.name} failed handling the failure of core ${coreId}: ${describeThrown(error)}`,
        );
      }
    }
  }

  /** This core's replicated object service (there is one from start() on). */
  get replication(): ReplicationModule {
    const module = this.modules.find((m) => m.name === "replication");
    if (!(module instanceof ReplicationModule))
      throw new Error(`monitor on core ${this.env.coreId}: no replication module (start() adds one)`);
    return module;
  }

  /** This core's virtual-memory module, where the platform added one (see vm-module.ts). */
  get vm(): VmModule | undefined {
    const module = this.modules.find((m) => m.name === "vm");
    return module instanceof VmModule ? module : undefined;
  }

  private drop(fromCore: number, type: number, why: string): void {
    this.droppedMessages++;
    this.env.log(
      `monitor: dropped message type 0x${type.toString(16).padStart(4, "0")} from core ${fromCore}: ${why}`,
    );
  }
}
