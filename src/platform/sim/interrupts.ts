// Inter-processor interrupts as the simulator charges them.
//
// A core's running handler may interrupt another core (Simulation.sendInterrupt): the sender
// writes its local APIC's interrupt command register (sendCycles, priced as one slot write: the
// paper gives no finer figure), but first waits until the APIC has delivered its previous
// interrupt (see "The command register" below); the interrupt reaches the target deliveryCycles
// after the write and waits in its inbox like any item (a core runs one handler at a time, so an
// interrupt does not preempt a running handler: the benchmarks that use it interrupt idle cores);
// the target then runs the handler, in its kernel, between trapCycles (interrupt entry: the IDT,
// saving state) and returnCycles (restoring state, IRET).
//
// Calibration. The one published figure is a URPC message whose receiver is woken by an IPI,
// about 2,800 cycles, against about 600 polled (shared/reference/barrelfish.md): so waking a
// receiver adds about 2,200 cycles. In Barrelfish that receiver is a user-level dispatcher that
// is not running, so the 2,200 cycles are the interrupt's delivery and trap *and* the CPU driver's
// dispatch of the woken dispatcher (find it, switch to it, upcall into it), which replaces the
// return. A handler that stays in the kernel (a TLB-shootdown interrupt of Linux or Windows) pays
// delivery, trap and return, and no dispatch. The paper's figure for a kernel path that ends in
// dispatching another user-level dispatcher is Table 1's LRPC (the machine's `lrpcCycles`): a
// SYSCALL into the CPU driver, its work, the dispatch; so the dispatch is taken as the LRPC less
// the SYSCALL (kernel-calls.ts), and delivery and trap as what remains of the 2,200 cycles, split
// two to one (delivery: the APIC message crossing the interconnect and its acceptance; trap: the
// entry). The return is priced as the trap (an assumption: the paper publishes neither). On a
// machine without `lrpcCycles` nothing is taken off. This is an inference from published totals,
// not a measurement of the parts: docs/reproducing.md gives the shootdown's figures with it and
// without it.
//
// The command register. An APIC sends one interrupt at a time: its command register's delivery
// status reads "send pending" until the destination has accepted the interrupt (AMD64
// Architecture Programmer's Manual vol. 2, the local APIC's ICR; Intel SDM vol. 3, the same
// bit), and a kernel sending interrupts to several cores one by one waits for it to read idle
// before each write (Linux's x86 IPI sends of the paper's time wait for it, apic_wait_icr_idle,
// and use one interrupt per core in the physical destination mode that machines of more than 8
// cores need). So a sender's next interrupt starts no earlier than its previous one's delivery.

import type { CostModel } from "./cost-model.js";
import { syscallEntryCycles } from "./kernel-calls.js";

/** A URPC message to a receiver woken by an IPI, one way, in cycles (reference, ≈). */
export const ipiWakeupCycles = 2_800;
/** The same message to a polling receiver, in cycles (reference, ≈). */
export const polledMessageCycles = 600;
/** What waking a receiver adds: delivery, trap and the dispatch of the woken dispatcher. */
export const interruptExtraCycles = ipiWakeupCycles - polledMessageCycles;
/** Shares of what remains after the dispatch (an assumption: the paper publishes only the total). */
export const deliveryShare = 2 / 3;
export const trapShare = 1 / 3;
/** The return (IRET and restoring state) as a multiple of the trap (an assumption). */
export const returnPerTrap = 1;

if (Math.abs(deliveryShare + trapShare - 1) > 1e-9)
  throw new Error("interrupts.ts: the delivery and trap shares must add up to 1");

/** The CPU driver's dispatch of a woken dispatcher: Table 1's LRPC less its SYSCALL; 0 without one. */
export function dispatchCyclesOf(lrpcCycles: number | null): number {
  if (lrpcCycles === null) return 0;
  const dispatch = lrpcCycles - syscallEntryCycles;
  if (!(dispatch >= 0 && dispatch < interruptExtraCycles))
    throw new RangeError(
      `interrupts: an LRPC of ${lrpcCycles} cycles leaves no room for an interrupt's delivery in the ${interruptExtraCycles}-cycle wake-up`,
    );
  return dispatch;
}

export class InterruptCosts {
  /** Cycles the sender's handler spends per interrupt sent (before its speed). */
  readonly sendCycles: number;
  /** The wake-up's share that is the dispatch of a user-level receiver (not paid in the kernel). */
  readonly dispatchCycles: number;
  /** Cycles from the send until the interrupt is in the target's inbox (and accepted). */
  readonly deliveryCycles: number;
  /** Cycles the target spends entering its handler (before its speed). */
  readonly trapCycles: number;
  /** Cycles the target spends returning from it (before its speed). */
  readonly returnCycles: number;

  constructor(costs: CostModel) {
    this.sendCycles = costs.sendCycles;
    this.dispatchCycles = dispatchCyclesOf(costs.machine.lrpcCycles);
    const inKernel = interruptExtraCycles - this.dispatchCycles;
    this.deliveryCycles = inKernel * deliveryShare;
    this.trapCycles = inKernel * trapShare;
    this.returnCycles = this.trapCycles * returnPerTrap;
  }
}
