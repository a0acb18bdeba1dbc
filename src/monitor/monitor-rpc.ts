// MonitorRpc: a declared rpc interface (src/rpc/rpc.ts) spoken between monitors, over the
// monitor-to-monitor channels, as one MonitorModule.
//
// Every core runs the same module. A call to core C goes out on this core's port to C through a
// client kept per destination; a call from core C is answered through a server kept per source,
// whose replies go back on the port to C. Both are made on first use. The monitor channel between
// two cores is FIFO, and the request id in every message pairs replies with calls, so replies may
// come back in any order (handlers may answer later). A call to this core itself does not touch a
// channel (there is no port to oneself): the handler runs in a later microtask, and its error is
// reported exactly as a remote one would be, so callers see one behaviour wherever the server is.

import type { CoreEnv } from "../cpu-driver/core-env.js";
import {
  type CallArgs,
  errorText,
  type ReplyValues,
  type RpcCallName,
  type RpcClientEnd,
  type RpcDeclaration,
  RpcError,
  type RpcHandlers,
  type RpcInterface,
  type RpcServerEnd,
} from "../rpc/rpc.js";
import type { MonitorModule } from "./monitor-module.js";

type AnyCall = (...args: readonly unknown[]) => Promise<unknown[]>;
type AnyHandler = (...args: readonly unknown[]) => unknown;

export class MonitorRpc<R extends RpcDeclaration> implements MonitorModule {
  readonly name: string;
  private readonly clients = new Map<number, RpcClientEnd<R>>();
  private readonly servers = new Map<number, RpcServerEnd>();

  constructor(
    private readonly env: CoreEnv,
    private readonly rpc: RpcInterface<R>,
    private readonly handlers: RpcHandlers<R>,
  ) {
    this.name = rpc.name;
    for (const method of rpc.methods) {
      if (typeof (handlers as Record<string, unknown>)[method] !== "function")
        throw new Error(`monitor rpc ${rpc.name}: no handler for method ${method}`);
    }
  }

  /** Calls `method` on core `toCore`'s monitor; resolves with its reply tuple. */
  call<M extends RpcCallName<R>>(
    toCore: number,
    method: M,
    ...args: CallArgs<R, M>
  ): Promise<ReplyValues<R, M>> {
    if (!this.env.coreIds.includes(toCore)) {
      return Promise.reject(
        new Error(
          `${this.rpc.name}.${method}: core ${toCore} does not exist (cores: ${this.env.coreIds.join(", ")})`,
        ),
      );
    }
    if (toCore === this.env.coreId) return this.callLocal(method, args) as Promise<ReplyValues<R, M>>;
    const client = this.clientTo(toCore).client as unknown as Record<string, AnyCall>;
    return client[method]!(...args) as Promise<ReplyValues<R, M>>;
  }

  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): boolean {
    if (!this.rpc.wire.owns(type)) return false;
    if (this.rpc.isCall(type)) this.serverFor(fromCore).receive(type, bytes, length);
    else this.clientTo(fromCore).receive(type, bytes, length);
    return true;
  }

  private async callLocal(method: string, args: readonly unknown[]): Promise<unknown[]> {
    const handler = (this.handlers as unknown as Record<string, AnyHandler>)[method]!;
    try {
      const values = await handler(...args);
      if (!Array.isArray(values)) throw new Error(`the handler of ${method} returned no reply tuple`);
      return values;
    } catch (error) {
      throw new RpcError(this.rpc.name, method, errorText(error));
    }
  }

  private clientTo(core: number): RpcClientEnd<R> {
    let end = this.clients.get(core);
    if (end === undefined) {
      end = this.rpc.client(this.env.portTo(core), {
        onError: (error) => this.report(core, error),
        activity: this.env.activity,
      });
      this.clients.set(core, end);
    }
    return end;
  }

  private serverFor(core: number): RpcServerEnd {
    let end = this.servers.get(core);
    if (end === undefined) {
      end = this.rpc.server(this.env.portTo(core), this.handlers, {
        onError: (error) => this.report(core, error),
      });
      this.servers.set(core, end);
    }
    return end;
  }

  private report(core: number, error: Error): void {
    this.env.log(`monitor: ${this.rpc.name} with core ${core}: ${error.message}`);
  }
}
