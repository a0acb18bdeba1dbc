// The URPC figures of `multikernel bench urpc`: ping-pong, streaming and wake-up latency over one
// channel between the main thread and a worker (bench/urpc-channel.ts does the measuring), and the
// bare ring with the same geometry as the streaming baseline (bench/bare-ring.ts).
import { measureBareRing } from "./bare-ring.js";
import { percentileSorted } from "./stats.js";
import { measureUrpcChannel, streamMessagesPerRun, streamRuns } from "./urpc-channel.js";

/**
 * Round trips of URPC ping-pong made and thrown away before timing starts: enough for the optimizing
 * compiler to have compiled both sides' loops (a URPC round trip is under a microsecond, so 1 000
 * would end while the code still runs unoptimized; measured: 255-320 ns one way after 1 000, 215 ns
 * after 100 000).
 */
const urpcWarmupRounds = 200_000;

export interface UrpcFigures {
  urpcOneWayNs: number;
  urpcOneWayP99Ns: number;
  urpcCopyOneWayNs: number;
  urpcCopyOneWayP99Ns: number;
  urpcMsgsPerSec: number;
  urpcCopyMsgsPerSec: number;
  /** The bare ring's streaming rate (median of its runs). */
  bareRingMsgsPerSec: number;
  urpcWakeOneWayNs: number;
  urpcWakeOneWayP99Ns: number;
}

export async function measureUrpc(opts: { rounds: number }): Promise<UrpcFigures> {
  const channel = await measureUrpcChannel(opts.rounds, urpcWarmupRounds);
  const bare = await measureBareRing(streamMessagesPerRun, streamRuns);
  return { ...channel, bareRingMsgsPerSec: percentileSorted(bare, 50) };
}
