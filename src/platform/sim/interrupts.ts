// Inter-processor interrupts as the simulator charges them.
//
// A core's running handler may interrupt another core (Simulation.sendInterrupt): the sender pays
// sendCycles (a write of its local APIC's command register, priced as one slot write: the paper
// gives no finer figure); the interrupt reaches the target deliveryCycles later and waits in its
// inbox like any item (a core runs one handler at a time, so an interrupt does not preempt a
// running handler: the benchmarks that use it interrupt idle cores); the target then runs the
// handler between trapCycles (interrupt entry: the IDT, saving state) and returnCycles (iret).
//
// Calibration: the one published figure is a URPC message whose receiver is woken by an IPI, about
// 2,800 cycles, against about 600 polled (shared/reference/barrelfish.md, from the paper's
// discussion of notification): so an interrupt adds about 2,200 cycles between a sender's write and
// the receiver's handler. How that splits is not published; the model puts half in delivery (the
// APIC message crossing the interconnect and its acceptance) and a quarter each in trap and return.
// At two cores only the sum matters; with more cores the split decides how much of it overlaps
// (deliveries to different cores run in parallel, each core's trap and return are its own).

import type { CostModel } from "./cost-model.js";

/** A URPC message to a receiver woken by an IPI, one way, in cycles (reference, ≈). */
export const ipiWakeupCycles = 2_800;
/** The same message to a polling receiver, in cycles (reference, ≈). */
export const polledMessageCycles = 600;
/** What an interrupt adds, split below. */
export const interruptExtraCycles = ipiWakeupCycles - polledMessageCycles;
/** Shares of interruptExtraCycles (an assumption: the paper publishes only the total). */
export const deliveryShare = 0.5;
export const trapShare = 0.25;
export const returnShare = 0.25;

if (Math.abs(deliveryShare + trapShare + returnShare - 1) > 1e-9)
  throw new Error("interrupts.ts: the shares of an interrupt's cost must add up to 1");

export class InterruptCosts {
  /** Cycles the sender's handler spends per interrupt sent (before its speed). */
  readonly sendCycles: number;
  /** Cycles from the send until the interrupt is in the target's inbox. */
  readonly deliveryCycles = interruptExtraCycles * deliveryShare;
  /** Cycles the target spends entering its handler (before its speed). */
  readonly trapCycles = interruptExtraCycles * trapShare;
  /** Cycles the target spends returning from it (before its speed). */
  readonly returnCycles = interruptExtraCycles * returnShare;

  constructor(costs: CostModel) {
    this.sendCycles = costs.sendCycles;
  }
}
