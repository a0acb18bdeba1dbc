// The URPC figures of `multikernel bench urpc`: ping-pong, streaming and wake-up latency over one
// channel between two workers.
//
// A placeholder until the channel's author writes the measurement: it declares the figures the
// bench command reports and throws, and the command reports the URPC columns as unavailable.

export interface UrpcFigures {
  urpcOneWayNs: number;
  urpcOneWayP99Ns: number;
  urpcMsgsPerSec: number;
  urpcWakeOneWayNs: number;
}

export async function measureUrpc(opts: { rounds: number }): Promise<UrpcFigures> {
  void opts;
  throw new Error("URPC measurement not built yet");
}
