// The figures of `multikernel bench kv`: what each client reports, and how the clients' reports
// become one throughput and one latency distribution.
//
// Clients run on different threads whose clocks do not share an origin (performance.now() counts
// from each worker's start), so a client reports durations only: the timed phase's elapsed time and
// its operations' latencies. The clients start their timed phases together (a barrier), so the
// slowest client's elapsed time is the run's: throughput is all clients' operations over it.
// Percentiles are merged from each client's quantile points, kvLatencyQuantilePoints values of its
// sorted latencies at evenly spaced ranks; every client times the same number of operations, so
// each point stands for as many operations as any other.
import { kvLatencyQuantilePoints } from "./kv-settings.js";
import { percentileSorted } from "./stats.js";

/** One client's report of its timed phase. */
export interface KvClientResult {
  readonly client: number;
  readonly ops: number;
  readonly elapsedNs: number;
  readonly meanOpNs: number;
  /** Its latencies at evenly spaced ranks, ascending. */
  readonly latencyPointsNs: readonly number[];
  /** Gets checked against the model, warm-up included. */
  readonly getsChecked: number;
}

/** The run's figures, over every client. */
export interface KvFigures {
  readonly ops: number;
  readonly opsPerSec: number;
  readonly meanOpNs: number;
  readonly p50OpNs: number;
  readonly p99OpNs: number;
  readonly getsChecked: number;
}

/** A client's report from its timed phase's elapsed time and per-operation latencies. */
export function kvClientResult(
  client: number,
  elapsedNs: number,
  latenciesNs: Float64Array,
  getsChecked: number,
): KvClientResult {
  const ops = latenciesNs.length;
  if (ops === 0) throw new Error(`bench kv: client ${client} timed no operation`);
  const sorted = Float64Array.from(latenciesNs).sort();
  let sumNs = 0;
  for (const ns of sorted) sumNs += ns;
  const points = Math.min(ops, kvLatencyQuantilePoints);
  const latencyPointsNs = Array.from(
    { length: points },
    (_, j) => sorted[Math.floor(((j + 0.5) * ops) / points)] as number,
  );
  return { client, ops, elapsedNs, meanOpNs: sumNs / ops, latencyPointsNs, getsChecked };
}

/** Combines one report per client (exactly `clients` of them) into the run's figures. */
export function combineKvResults(results: readonly KvClientResult[], clients: number): KvFigures {
  const seen = new Set(results.map((r) => r.client));
  if (results.length !== clients || seen.size !== clients)
    throw new Error(
      `bench kv: expected one report from each of ${clients} clients, got ${results.length} from ${seen.size}`,
    );
  let ops = 0;
  let weightedNs = 0;
  let elapsedNs = 0;
  let getsChecked = 0;
  for (const r of results) {
    if (!(r.ops > 0 && r.elapsedNs > 0 && Number.isFinite(r.meanOpNs)))
      throw new Error(`bench kv: client ${r.client} reported ${r.ops} ops in ${r.elapsedNs} ns`);
    ops += r.ops;
    weightedNs += r.meanOpNs * r.ops;
    elapsedNs = Math.max(elapsedNs, r.elapsedNs);
    getsChecked += r.getsChecked;
  }
  const points = Float64Array.from(results.flatMap((r) => r.latencyPointsNs)).sort();
  return {
    ops,
    opsPerSec: ops / (elapsedNs / 1e9),
    meanOpNs: weightedNs / ops,
    p50OpNs: percentileSorted(points, 50),
    p99OpNs: percentileSorted(points, 99),
    getsChecked,
  };
}
