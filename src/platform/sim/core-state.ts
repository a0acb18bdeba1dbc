// A simulated core's state, what waits in its inbox, and the kinds of the engine's events.
//
// Each core has one inbox, in arrival order, of four kinds of item: a message that arrived on one
// of its streams (channel-model.ts), a timer that fired, an interrupt delivered (interrupts.ts),
// and the start item that runs its logic's start(). The engine (engine.ts) takes one item at a time, when the core is free. A core also
// keeps the channels it sends on, made on first use (sim-ports.ts), so that a crash can drop what
// they hold.

import type { CoreLogic } from "../../cpu-driver/core-env.js";
import type { Channel, Message } from "./channel-model.js";
import type { Fifo } from "./fifo.js";
import type { Prng } from "./prng.js";
import type { SimCoreEnv } from "./sim-core-env.js";

// The engine's event kinds (the `kind` of an EventQueue entry; its target's type follows).
/** A message reaches its reader (target: Message). */
export const evArrive = 0;
/** A busy or stalled core is free again (target: CoreState). */
export const evWake = 1;
/** A timer is due (target: Timer). */
export const evTimer = 2;
/** A sender's read of its readers' ack line completes (target: Channel). */
export const evCredit = 3;
/** A planned crash-stop (target: CoreState). */
export const evCrash = 4;
/** A core's logic starts (target: CoreState). */
export const evStart = 5;

// The kinds of inbox item.
export const itemMessage = 0;
export const itemTimer = 1;
export const itemStart = 2;
/** An inter-processor interrupt (interrupts.ts): a Timer whose handler pays trap and return. */
export const itemInterrupt = 3;

/** A timer, or an interrupt (both due at a time, both enqueued by an evTimer event). */
export interface Timer {
  readonly kind: typeof itemTimer | typeof itemInterrupt;
  readonly core: CoreState;
  readonly onFire: () => void;
  cancelled: boolean;
}

/** The one start item, shared by every core's inbox. */
export const startItem = { kind: itemStart } as const;

export type InboxItem = Message | Timer | typeof startItem;

export interface CoreState {
  readonly id: number;
  readonly speed: number;
  logic: CoreLogic | null;
  readonly env: SimCoreEnv;
  readonly random: Prng;
  readonly inbox: Fifo<InboxItem>;
  wakeScheduled: boolean;
  crashed: boolean;
  channelIdsAllocated: number;
  /** Monitor channels to other cores, by core id (created on first use). */
  readonly ports: (Channel | undefined)[];
  broadcastChannel: Channel | null;
  /** Every channel this core sends on (for crash-stop). */
  readonly channels: Channel[];
}
