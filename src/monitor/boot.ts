// Boot between monitors: every monitor greets every other over its URPC channel, and reports to the
// bootstrap core (the lowest core, Barrelfish's BSP) once it has heard from all of them; the BSP
// declares the system up when every core has reported.
//
//   core c, at start      hello(c)     → every other core
//   core c, all hellos    connected(c) → BSP
//   BSP, all connected    onAllConnected()
//
// A hello that arrives before the receiving monitor started is simply counted: channels are FIFO
// and the count is all that matters. Sans-IO: it sends through the CoreEnv and reports through
// callbacks.

import type { CoreEnv } from "../cpu-driver/core-env.js";
import { monitorCoreTypeBase } from "../cpu-driver/message-types.js";
import { defineInterface, t } from "../idl/index.js";
import type { MonitorModule } from "./monitor-module.js";

export const bootInterface = defineInterface(
  "monitor_boot",
  {
    hello: [["core", t.u16]],
    connected: [["core", t.u16]],
  },
  { typeBase: monitorCoreTypeBase },
);

export interface BootEvents {
  /** On every core: the monitor has heard from every other core. */
  readonly onConnected?: (core: number, nowNs: number) => void;
  /** On the BSP only: every core is connected. */
  readonly onAllConnected?: (nowNs: number) => void;
}

export class BootModule implements MonitorModule {
  readonly name = "boot";
  private readonly heard = new Set<number>();
  private readonly connected = new Set<number>();
  private started = false;
  private reported = false;
  private readonly receiveFrame;

  constructor(
    private readonly env: CoreEnv,
    private readonly events: BootEvents = {},
  ) {
    this.receiveFrame = bootInterface.dispatcher(
      {
        hello: (core) => this.helloReceived(core),
        connected: (core) => this.connectedReceived(core),
      },
      `monitor ${env.coreId}`,
    );
  }

  /** The bootstrap core: the lowest core booted. */
  get bsp(): number {
    return this.env.coreIds[0]!;
  }

  start(): void {
    this.started = true;
    for (const core of this.env.coreIds) {
      if (core !== this.env.coreId) bootInterface.sender(this.env.portTo(core)).hello(this.env.coreId);
    }
    this.maybeConnected();
  }

  receive(fromCore: number, type: number, bytes: Uint8Array, length: number): boolean {
    if (!bootInterface.owns(type)) return false;
    void fromCore;
    this.receiveFrame(type, bytes, length);
    return true;
  }

  private helloReceived(core: number): void {
    this.heard.add(core);
    this.maybeConnected();
  }

  private connectedReceived(core: number): void {
    this.connected.add(core);
    if (this.connected.size === this.env.coreIds.length) this.events.onAllConnected?.(this.env.nowNs());
  }

  private maybeConnected(): void {
    if (!this.started || this.reported || this.heard.size !== this.env.coreIds.length - 1) return;
    this.reported = true;
    this.events.onConnected?.(this.env.coreId, this.env.nowNs());
    if (this.env.coreId === this.bsp) this.connectedReceived(this.env.coreId);
    else bootInterface.sender(this.env.portTo(this.bsp)).connected(this.env.coreId);
  }
}
