// The slots of broadcast channels as lines of the coherence model: one line, many readers.
//
// A URPC channel's line has one reader, and the calibrated transfer (cost-model.ts) prices its
// miss. A broadcast ring's slot (urpc/broadcast.ts) is one line that every other core reads once
// its writer has filled it: N−1 readers of one modified line. On the AMD machines every reader's
// miss goes to the line's home node, which takes one transaction on the line at a time, probes
// every node, and is held until the requester has its data and every answer (coherence.ts). So
// here each slot of a broadcast ring is a CoherenceModel line homed where the channel's memory
// lives, the writer's fill of a slot makes it the line's only holder, and each reader's read is
// ordered at the home (CoherenceModel.orderedRead) while its data comes as a channel's data
// always does: the calibrated transfer from the writer, queued at the writer's cache and the
// reader's fill port, plus the placement detour (channel-placement.ts). A read that finds the home
// free costs exactly the calibrated transfer, so one reader's broadcast costs what a unicast
// message costs; readers that contend wait for the home, each holding it for about one transfer.
// Unicast and point-to-point channels never come here (their lines have one reader each).
//
// The coherence model is made on the first broadcast channel; its links and probe engines are
// shared by every broadcast slot of the run (and by nothing else in the engine).

import { slotsPerRing } from "../../limits.js";
import { CoherenceModel } from "./coherence.js";
import type { CostModel } from "./cost-model.js";

export class BroadcastLines {
  private coherence: CoherenceModel | null = null;
  /** The current read's sender, reader and detour, for `fetch` (one closure, no allocation). */
  private fetchSender = 0;
  private fetchReader = 0;
  private fetchDetourCycles = 0;
  private readonly fetch = (requestCycles: number): number =>
    this.costs.serveRead(this.fetchSender, this.fetchReader, requestCycles) + this.fetchDetourCycles;

  constructor(
    private readonly costs: CostModel,
    /** The package whose memory holds `sender`'s broadcast ring. */
    private readonly homeOf: (sender: number) => number,
  ) {}

  /** The ring's slot lines for a new broadcast channel of `sender`: slotsPerRing line ids. */
  ringLines(sender: number): Int32Array {
    this.coherence ??= new CoherenceModel(this.costs.machine, this.costs);
    const home = this.homeOf(sender);
    const lines = new Int32Array(slotsPerRing);
    for (let slot = 0; slot < slotsPerRing; slot++) lines[slot] = this.coherence.addLine(home);
    return lines;
  }

  /** `sender` has filled slot line `line`. */
  written(sender: number, line: number): void {
    this.model().written(sender, line);
  }

  /**
   * `reader` reads slot line `line`, filled by `sender`, from `atCycles`; its data costs the
   * calibrated transfer plus `detourCycles`. Returns when the data is at the reader.
   */
  read(sender: number, reader: number, line: number, atCycles: number, detourCycles: number): number {
    this.fetchSender = sender;
    this.fetchReader = reader;
    this.fetchDetourCycles = detourCycles;
    return this.model().orderedRead(reader, line, atCycles, this.fetch);
  }

  private model(): CoherenceModel {
    if (this.coherence === null) throw new Error("BroadcastLines: no broadcast ring has been made");
    return this.coherence;
  }
}
