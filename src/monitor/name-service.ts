// The name service: which dispatcher exports which service, on which interface.
//
// As in Barrelfish, where the SKB on the bootstrap core doubles as the name server, the table lives
// on one core only: the lowest-numbered one. Every other core's monitor reaches it by split-phase
// rpc over the monitor channels (MonitorRpc): register(name, interface, core, dispatcher) and
// lookup(name). Registration is first come, first served; a name is never reassigned. Errors are
// answered, never dropped: a name already taken, an unknown name, a core that does not exist, a
// full table (servicesRegisteredMax).
//
//   core C → name server   register_call(requestId, name, interfaceName, fingerprint, coreId, dispatcherId)
//   name server → core C   register_reply(requestId) | rpc_error(requestId, message)
//   core C → name server   lookup_call(requestId, name)
//   name server → core C   lookup_reply(requestId, found, interfaceName, fingerprint, coreId, dispatcherId, nearest)
// (an unknown name is an answer, found = false, not an error: the caller decides what it means;
// `nearest` is then the registered name nearest to it, for a "did you mean", or "").
//   core C → name server   unregister_call(requestId, name, coreId, dispatcherId)   (when a dispatcher ends)
//   name server → core C   unregister_reply(requestId) | rpc_error
// Only the dispatcher that registered a name may unregister it; then the name is free again. A name
// belongs to the dispatcher that exported it: no other domain can register it while it is held,
// and the owner's dispatcher frees it when it closes, whichever way its domain ended (spawn.ts).

import type { CoreEnv } from "../cpu-driver/core-env.js";
import { bindingTypeBase } from "../cpu-driver/message-types.js";
import { t } from "../idl/index.js";
import { idlNameLengthMax, serviceNameBytesMax, servicesRegisteredMax } from "../limits.js";
import { defineRpc } from "../rpc/rpc.js";
import type { MonitorModule } from "./monitor-module.js";
import { MonitorRpc } from "./monitor-rpc.js";
import { nearestName } from "./nearest-name.js";

/** The name service's messages open the binding range (binding.ts follows at +0x40, spawn.ts at +0xf0). */
export const nameServiceTypeBase = bindingTypeBase;

export const nameServiceRpc = defineRpc(
  "name_service",
  {
    register: {
      call: [
        ["name", t.string(serviceNameBytesMax)],
        ["interfaceName", t.string(idlNameLengthMax)],
        ["fingerprint", t.u32],
        ["coreId", t.u32],
        ["dispatcherId", t.u32],
      ],
      reply: [],
    },
    lookup: {
      call: [["name", t.string(serviceNameBytesMax)]],
      reply: [
        ["found", t.bool],
        ["interfaceName", t.string(idlNameLengthMax)],
        ["fingerprint", t.u32],
        ["coreId", t.u32],
        ["dispatcherId", t.u32],
        // Not found: the registered name nearest to it (nearest-name.ts), or "".
        ["nearest", t.string(serviceNameBytesMax)],
      ],
    },
    unregister: {
      call: [
        ["name", t.string(serviceNameBytesMax)],
        ["coreId", t.u32],
        ["dispatcherId", t.u32],
      ],
      reply: [],
    },
  },
  { typeBase: nameServiceTypeBase },
);

/** One registered service. */
export interface ServiceRecord {
  readonly name: string;
  /** Name of the rpc interface it exports. */
  readonly interfaceName: string;
  /** The interface's fingerprint (RpcInterface.fingerprint): same name, same declaration. */
  readonly fingerprint: number;
  /** Core of the exporting dispatcher. */
  readonly coreId: number;
  /** The exporting dispatcher on that core (its domain's id). */
  readonly dispatcherId: number;
}

const utf8 = new TextEncoder();

/** Checks a service name; returns it, or throws a clear error. */
export function checkServiceName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0)
    throw new Error("a service name must be a non-empty string");
  if (utf8.encode(name).length > serviceNameBytesMax)
    throw new Error(`service name "${name.slice(0, 32)}…" is longer than ${serviceNameBytesMax} bytes`);
  return name;
}

export class NameService implements MonitorModule {
  readonly name = "name_service";
  /** The table; empty on every core but serverCore. */
  private readonly services = new Map<string, ServiceRecord>();
  private readonly rpc: MonitorRpc<typeof nameServiceRpc.declaration>;

  constructor(private readonly env: CoreEnv) {
    this.rpc = new MonitorRpc(env, nameServiceRpc, {
      register: (name, interfaceName, fingerprint, coreId, dispatcherId) => {
        this.registerReceived({ name, interfaceName, fingerprint, coreId, dispatcherId });
        return [];
      },
      lookup: (name) => {
        const record = this.lookupReceived(name);
        if (record === undefined) return [false, "", 0, 0, 0, nearestName(name, this.services.keys()) ?? ""];
        return [true, record.interfaceName, record.fingerprint, record.coreId, record.dispatcherId, ""];
      },
      unregister: (name, coreId, dispatcherId) => {
        this.unregisterReceived(name, coreId, dispatcherId);
        return [];
      },
    });
  }

  /**
   * The core that holds the table: the lowest one. Read when used, not when built: a platform may
   * build a core's monitor before every core's environment exists.
   */
  get serverCore(): number {
    const lowest = this.env.coreIds[0];
    if (lowest === undefined) throw new Error("name service: no cores");
    return lowest;
  }

  /** Names registered now (on the name server's core; 0 elsewhere). */
  get registeredCount(): number {
    return this.services.size;
  }

  /** Registers a service; rejects if the name is taken or the record is bad. */
  async register(record: ServiceRecord): Promise<void> {
    checkServiceName(record.name);
    await this.rpc.call(
      this.serverCore,
      "register",
      record.name,
      record.interfaceName,
      record.fingerprint,
      record.coreId,
      record.dispatcherId,
    );
  }

  /**
   * Looks a service up by name: its record, or, when no such name is registered, the registered
   * name nearest to it ("" when none is near).
   */
  async lookup(name: string): Promise<ServiceRecord | { readonly nearest: string }> {
    checkServiceName(name);
    const [found, interfaceName, fingerprint, coreId, dispatcherId, nearest] = await this.rpc.call(
      this.serverCore,
      "lookup",
      name,
    );
    return found ? { name, interfaceName, fingerprint, coreId, dispatcherId } : { nearest };
  }

  /** Frees a name registered by dispatcher `dispatcherId` on `coreId`; rejects if that one did not register it. */
  async unregister(name: string, coreId: number, dispatcherId: number): Promise<void> {
    checkServiceName(name);
    await this.rpc.call(this.serverCore, "unregister", name, coreId, dispatcherId);
  }

  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): boolean {
    return this.rpc.receive(fromCore, type, bytes, length);
  }

  private checkServer(): void {
    if (this.env.coreId !== this.serverCore)
      throw new Error(`core ${this.env.coreId} is not the name server (core ${this.serverCore} is)`);
  }

  private registerReceived(record: ServiceRecord): void {
    this.checkServer();
    checkServiceName(record.name);
    if (!this.env.coreIds.includes(record.coreId)) {
      throw new Error(
        `service "${record.name}": core ${record.coreId} does not exist (cores: ${this.env.coreIds.join(", ")})`,
      );
    }
    const taken = this.services.get(record.name);
    if (taken !== undefined) {
      throw new Error(
        `service name "${record.name}" is already taken (by domain ${taken.dispatcherId} on core ${taken.coreId})`,
      );
    }
    if (this.services.size >= servicesRegisteredMax)
      throw new Error(`the name service is full: ${servicesRegisteredMax} services (servicesRegisteredMax)`);
    this.services.set(record.name, { ...record });
  }

  private unregisterReceived(name: string, coreId: number, dispatcherId: number): void {
    this.checkServer();
    const record = this.services.get(name);
    if (record === undefined || record.coreId !== coreId || record.dispatcherId !== dispatcherId)
      throw new Error(`service "${name}" is not registered by domain ${dispatcherId} on core ${coreId}`);
    this.services.delete(name);
  }

  private lookupReceived(name: string): ServiceRecord | undefined {
    this.checkServer();
    return this.services.get(name);
  }
}
