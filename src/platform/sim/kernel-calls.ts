// Kernel entries that are not messages: a user-level program asking its own core's CPU driver
// (or kernel) for something, and the TLB invalidation it asks for.
//
// In Barrelfish the page tables and the TLB belong to the CPU driver: a monitor that applies an
// unmap invokes a capability of its CPU driver (a system call: SYSCALL, the invocation, SYSRET)
// which writes the page-table entry and invalidates the page (INVLPG). Every monitor of a
// message-based shootdown pays that once, the initiator's included. The IPI baseline (what Linux
// and Windows do) pays one system call on the initiator (the domain's munmap, in which the kernel
// invalidates its own entry) and one INVLPG in each interrupt handler, already in the kernel.
//
// Numbers: the instruction latencies of AMD's Software Optimization Guide for AMD64 Processors
// (publication 25112, rev. 3.06, Appendix C, Table 13): SYSCALL 27 cycles, SYSRET 35, INVLPG 80
// in 64-bit mode. They are the instructions alone: what the kernel does between them (saving
// registers, looking the capability up, writing the entry) is published for no kernel of the
// paper and is not charged. The same figures stand in for the Intel machine (its manual gives no
// latency for these instructions). Counted per kind, so that tests can check what was charged.

import type { SimCoreEnv } from "./sim-core-env.js";

/** SYSCALL: entering the kernel from user level (AMD 25112, Table 13). */
export const syscallEntryCycles = 27;
/** SYSRET: back to user level (AMD 25112, Table 13). */
export const syscallReturnCycles = 35;
/** INVLPG in 64-bit mode: one page's TLB entry dropped (AMD 25112, Table 13). */
export const invlpgCycles = 80;

export class KernelCalls {
  /** System calls charged so far (entries; each is also returned from). */
  syscalls = 0;
  /** Page invalidations charged so far. */
  invalidations = 0;

  /** A user-level program enters its kernel (SYSCALL); `leave` charges the way back. */
  enter(env: SimCoreEnv): void {
    this.syscalls++;
    env.chargeCycles(syscallEntryCycles);
  }

  /** The kernel returns to the program that entered it (SYSRET). */
  leave(env: SimCoreEnv): void {
    env.chargeCycles(syscallReturnCycles);
  }

  /** Code already in the kernel invalidates `pageCount` pages of its TLB (INVLPG each). */
  invalidate(env: SimCoreEnv, pageCount: number): void {
    this.invalidations += pageCount;
    env.chargeCycles(invlpgCycles * pageCount);
  }

  /** A monitor asks its CPU driver to invalidate `pageCount` pages: enter, invalidate, return. */
  invokeInvalidate(env: SimCoreEnv, pageCount: number): void {
    this.enter(env);
    this.invalidate(env, pageCount);
    this.leave(env);
  }
}
