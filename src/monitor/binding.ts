// Binding: how a dispatcher on one core gets a typed channel to a service exported on another.
//
// As in Barrelfish, the client never talks to the server before the channel exists: the monitors
// set it up. The handshake, with its in-flight state held by the promise on each side:
//   1. client core:   lookup(service) in the name service → interface, server core, dispatcher;
//                     a wrong interface or a core that does not exist fails here already;
//   2. client core:   allocate a channel id from this core's share (env.allocateChannelId);
//   3. client → server monitor: bind_call(requestId, channelId, clientCore, serviceName,
//                     interfaceName, fingerprint, dispatcherId)
//   4. server core:   the dispatcher must still export the service on the same interface (name and
//                     fingerprint), else a clear "wrong interface" error goes back; it opens side 1
//                     of the channel (env.openChannel) with an rpc server over it, keeps the
//                     connection, and the monitor answers bind_reply;
//   5. client core:   opens side 0 with an rpc client over it; the bind promise resolves with it.
// The server opens its end before answering, so the client's first call always finds it open.
// A bind to a dispatcher on the same core runs the same steps without the monitor channel.
// A binding ends either way: the client closes it (rpc_close), or the server's dispatcher ends and
// closes every connection with the reason (rpc_closed: "its domain ended"), so that a client's
// calls in flight reject at once, naming the service; a bind addressed to a dispatcher that has
// ended is refused the same way. `bindEnd` also hands the dispatcher the client's `fail`, for a
// server whose core the platform declares failed. A refused bind gives its channel id back
// (env.releaseChannelId); a bound channel's frame is reused once both ends have closed.

import type { CoreEnv } from "../cpu-driver/core-env.js";
import { describeThrown } from "../cpu-driver/describe-thrown.js";
import { bindingTypeBase } from "../cpu-driver/message-types.js";
import type { Receive } from "../idl/index.js";
import { t } from "../idl/index.js";
import { idlNameLengthMax, serviceNameBytesMax } from "../limits.js";
import {
  defineRpc,
  type RpcClient,
  type RpcDeclaration,
  type RpcEndOptions,
  RpcError,
  type RpcHandlers,
  type RpcInterface,
} from "../rpc/rpc.js";
import type { MonitorModule } from "./monitor-module.js";
import { MonitorRpc } from "./monitor-rpc.js";
import { checkServiceName, type NameService, type ServiceRecord } from "./name-service.js";

/** Bind messages follow the name service's in the binding range. */
export const bindTypeBase = bindingTypeBase + 0x40;

export const bindRpc = defineRpc(
  "monitor_bind",
  {
    bind: {
      call: [
        ["channelId", t.u32],
        ["clientCore", t.u32],
        ["serviceName", t.string(serviceNameBytesMax)],
        ["interfaceName", t.string(idlNameLengthMax)],
        ["fingerprint", t.u32],
        ["dispatcherId", t.u32],
      ],
      reply: [],
    },
  },
  { typeBase: bindTypeBase },
);

/** A service as its dispatcher exports it. */
export interface ExportedService {
  readonly rpc: RpcInterface<RpcDeclaration>;
  readonly handlers: RpcHandlers<RpcDeclaration>;
}

/** One accepted connection on the server side. */
export interface Connection {
  readonly serviceName: string;
  readonly channelId: number;
  readonly clientCore: number;
  /** Closes the server's end, telling the client why (rpc_closed). */
  close(reason: string): void;
}

/** A bound client with what its dispatcher needs to end it: the server's core, and `fail`. */
export interface BoundService<R extends RpcDeclaration> {
  readonly client: RpcClient<R>;
  readonly serviceName: string;
  readonly serverCore: number;
  /** Rejects the client's calls in flight and later ones with `why`, and closes it. */
  fail(why: string): void;
}

/** What the binding module needs of a dispatcher that may accept binds (the server side). */
export interface BindTarget {
  /** The service exported under this name, if this dispatcher exports it. */
  exportedService(name: string): ExportedService | undefined;
  /** A connection was accepted; the dispatcher keeps it, to close it when it ends. */
  connectionAccepted(connection: Connection): void;
  /** The client closed the connection; its server end is closed already. */
  connectionClosed(connection: Connection): void;
  /** Where errors of the connection's channel go (a malformed frame, say). */
  channelError(error: Error): void;
}

/**
 * Why a bind failed: no such name (yet), an interface that does not match, a core that does not
 * exist, a bad service name, or the server's side refused (its dispatcher ended or no longer
 * exports the name, or a race made the interfaces differ there).
 */
export type BindFailure = "unknown-service" | "wrong-interface" | "no-such-core" | "bad-name" | "refused";

/** The error every failed bind rejects with: names the service, then says what went wrong. */
export class BindError extends Error {
  override readonly name = "BindError";
  constructor(
    readonly serviceName: string,
    readonly reason: BindFailure,
    problem: string,
  ) {
    super(`bind "${serviceName}": ${problem}`);
  }
}

function remoteText(error: unknown): string {
  if (error instanceof RpcError) return error.remoteMessage;
  return describeThrown(error);
}

function interfaceMismatch(
  exported: { name: string; fingerprint: number },
  wanted: { name: string; fingerprint: number },
): string | undefined {
  if (exported.name !== wanted.name)
    return `wrong interface: the service exports ${exported.name}, the client asked for ${wanted.name}`;
  if (exported.fingerprint !== wanted.fingerprint)
    return `wrong interface: both sides say ${wanted.name}, but their declarations differ`;
  return undefined;
}

export class Binding implements MonitorModule {
  readonly name = "binding";
  private readonly targets = new Map<number, BindTarget>();
  private readonly rpc: MonitorRpc<typeof bindRpc.declaration>;

  constructor(
    private readonly env: CoreEnv,
    private readonly nameService: NameService,
  ) {
    this.rpc = new MonitorRpc(env, bindRpc, {
      bind: (channelId, clientCore, serviceName, interfaceName, fingerprint, dispatcherId) => {
        this.bindReceived(
          channelId,
          clientCore,
          serviceName,
          { name: interfaceName, fingerprint },
          dispatcherId,
        );
        return [];
      },
    });
  }

  /** Makes a dispatcher reachable by binds addressed to `dispatcherId` on this core. */
  attach(dispatcherId: number, target: BindTarget): void {
    if (this.targets.has(dispatcherId))
      throw new Error(`binding: domain ${dispatcherId} already has a dispatcher on core ${this.env.coreId}`);
    this.targets.set(dispatcherId, target);
  }

  /** Binds addressed to `dispatcherId` are refused from now on. */
  detach(dispatcherId: number): void {
    this.targets.delete(dispatcherId);
  }

  /**
   * Binds to the service `serviceName` on interface `rpc`; resolves with a typed client over a new
   * channel. `client.onError` receives errors of that channel (malformed frames, unexpected
   * replies); `client.callTimeout` bounds how long each call waits.
   */
  async bind<R extends RpcDeclaration>(
    serviceName: string,
    rpc: RpcInterface<R>,
    client: RpcEndOptions,
  ): Promise<RpcClient<R>> {
    return (await this.bindEnd(serviceName, rpc, client)).client;
  }

  /** As bind, with the server's core and the client's `fail` (for its dispatcher). */
  async bindEnd<R extends RpcDeclaration>(
    serviceName: string,
    rpc: RpcInterface<R>,
    client: RpcEndOptions,
  ): Promise<BoundService<R>> {
    try {
      checkServiceName(serviceName);
    } catch (error) {
      throw new BindError(String(serviceName), "bad-name", remoteText(error));
    }
    let found: ServiceRecord | { readonly nearest: string };
    try {
      found = await this.nameService.lookup(serviceName);
    } catch (error) {
      throw new BindError(serviceName, "refused", `the name service failed: ${remoteText(error)}`);
    }
    if ("nearest" in found) {
      const hint = found.nearest === "" ? "" : ` (did you mean "${found.nearest}"?)`;
      throw new BindError(
        serviceName,
        "unknown-service",
        `no service named "${serviceName}" is registered${hint}`,
      );
    }
    const record = found;
    const mismatch = interfaceMismatch({ name: record.interfaceName, fingerprint: record.fingerprint }, rpc);
    if (mismatch !== undefined) throw new BindError(serviceName, "wrong-interface", mismatch);
    if (!this.env.coreIds.includes(record.coreId)) {
      throw new BindError(
        serviceName,
        "no-such-core",
        `its core ${record.coreId} does not exist (cores: ${this.env.coreIds.join(", ")})`,
      );
    }
    const channelId = this.env.allocateChannelId();
    try {
      await this.rpc.call(
        record.coreId,
        "bind",
        channelId,
        this.env.coreId,
        serviceName,
        rpc.name,
        rpc.fingerprint,
        record.dispatcherId,
      );
    } catch (error) {
      // A refusal from the server's monitor means its side never opened (or, opened, has closed:
      // bindReceived), so the id goes back. Any other failure (a timeout, a failed core) leaves
      // the server's side unknown: the frame is kept rather than reused under a live end.
      if (error instanceof RpcError) this.env.releaseChannelId(channelId);
      throw new BindError(serviceName, "refused", remoteText(error));
    }
    // The rpc client needs the channel end to send on, and the end needs the client's receive.
    let receive: Receive | undefined;
    const end = this.env.openChannel(channelId, 0, record.coreId, (type, bytes, length) =>
      receive?.(type, bytes, length),
    );
    const clientEnd = rpc.client(end, { peer: `service "${serviceName}"`, ...client });
    receive = clientEnd.receive;
    return { client: clientEnd.client, serviceName, serverCore: record.coreId, fail: clientEnd.fail };
  }

  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): boolean {
    return this.rpc.receive(fromCore, type, bytes, length);
  }

  private bindReceived(
    channelId: number,
    clientCore: number,
    serviceName: string,
    wanted: { name: string; fingerprint: number },
    dispatcherId: number,
  ): void {
    const target = this.targets.get(dispatcherId);
    if (target === undefined)
      throw new Error(
        `domain ${dispatcherId} has no dispatcher on core ${this.env.coreId} any more (its domain ended)`,
      );
    const service = target.exportedService(serviceName);
    if (service === undefined)
      throw new Error(`domain ${dispatcherId} on core ${this.env.coreId} no longer exports it`);
    const mismatch = interfaceMismatch(service.rpc, wanted);
    if (mismatch !== undefined) throw new Error(mismatch);
    if (!this.env.coreIds.includes(clientCore))
      throw new Error(
        `the client's core ${clientCore} does not exist (cores: ${this.env.coreIds.join(", ")})`,
      );
    let receive: Receive | undefined;
    const end = this.env.openChannel(channelId, 1, clientCore, (type, bytes, length) =>
      receive?.(type, bytes, length),
    );
    const connection: Connection = {
      serviceName,
      channelId,
      clientCore,
      close: (reason) => server?.close(reason),
    };
    let server: ReturnType<typeof service.rpc.server> | undefined;
    try {
      server = service.rpc.server(end, service.handlers, {
        onError: (error) => target.channelError(error),
        onClosed: () => target.connectionClosed(connection),
      });
      receive = server.receive;
      target.connectionAccepted(connection);
    } catch (error) {
      // The refusal tells the client to give the id back: this side must be closed by then.
      end.close();
      throw error;
    }
  }
}
