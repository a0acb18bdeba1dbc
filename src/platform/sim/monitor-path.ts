// The user → monitor path: what a domain pays to ask its own core's monitor for something, and the
// monitor to answer. In Barrelfish a domain reaches its local monitor by LRPC (a same-core call
// through the CPU driver: trap, switch to the monitor's dispatcher, run, switch back), and the
// answer comes back the same way; the paper's Table 1 gives one LRPC's cost per machine (845, 757,
// 1,463 and 1,549 cycles on the 2×4 Intel, 2×2, 4×4 and 8×4 AMD), which the machine files carry
// as `lrpcCycles`. The simulator's monitor logic runs as the core's logic itself, so a figure that
// starts in a user domain (the shootdown's unmap) crosses this path explicitly: one `cross` when
// the domain calls, one when the monitor answers. Each crossing is counted, so that tests can check
// the path is charged exactly once per crossing. A machine without `lrpcCycles` crosses for free.

import type { Machine } from "./machine.js";
import type { SimCoreEnv } from "./sim-core-env.js";

export class MonitorPath {
  /** Crossings charged so far (calls and answers). */
  crossings = 0;

  constructor(
    /** Cycles one crossing costs (Table 1's LRPC), 0 when the path is not modelled. */
    readonly lrpcCycles: number,
  ) {
    if (!(Number.isFinite(lrpcCycles) && lrpcCycles >= 0))
      throw new RangeError(`MonitorPath: lrpcCycles must be a finite number >= 0, got ${lrpcCycles}`);
  }

  /** The machine's path (its Table 1 LRPC), or a free one when `enabled` is false or it has none. */
  static of(machine: Machine, enabled = true): MonitorPath {
    return new MonitorPath(enabled ? (machine.lrpcCycles ?? 0) : 0);
  }

  /** A domain calls its monitor, or the monitor answers it: one LRPC charged to the core. */
  cross(env: SimCoreEnv): void {
    this.crossings++;
    if (this.lrpcCycles > 0) env.chargeCycles(this.lrpcCycles);
  }
}
