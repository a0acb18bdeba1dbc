// The URPC figures of `multikernel bench urpc`: ping-pong, streaming and wake-up latency over one
// channel between the main thread and a worker (bench/urpc-channel.ts does the measuring).
import { benchWarmupRounds } from "../src/limits.js";
import { measureUrpcChannel } from "./urpc-channel.js";

export interface UrpcFigures {
  urpcOneWayNs: number;
  urpcOneWayP99Ns: number;
  urpcMsgsPerSec: number;
  urpcWakeOneWayNs: number;
  urpcWakeOneWayP99Ns: number;
}

export async function measureUrpc(opts: { rounds: number }): Promise<UrpcFigures> {
  return measureUrpcChannel(opts.rounds, Math.min(benchWarmupRounds, opts.rounds));
}
