// One client's whole run in `multikernel bench kv`: fill, warm up, wait for every client, then the
// timed phase; the same steps whatever carries the operations (rpc bindings or MessagePorts).
//
//   1. fill: put each of the client's keys once, so that the mixed phases find them;
//   2. warm-up: settings.warmupOpsPerClient mixed operations, untimed (the JIT, the channels);
//   3. barrier: resolves once every client has warmed up, so that the timed phases overlap;
//   4. timed: settings.opsPerClient mixed operations, each one's latency kept.
// Every get of every phase is checked against the workload's model; a wrong one fails the run.
import { type KvClientResult, kvClientResult } from "./kv-figures.js";
import { assertKvPhaseCorrect, type KvShards, runKvPhase } from "./kv-pipeline.js";
import { type KvSettings, kvKeysPerClient } from "./kv-settings.js";
import type { KvWorkload } from "./kv-workload.js";

export async function runKvClient(
  workload: KvWorkload,
  shards: KvShards,
  settings: KvSettings,
  nowNs: () => number,
  barrier: () => PromiseLike<unknown>,
): Promise<KvClientResult> {
  const { window } = settings;
  const where = `client ${workload.client}`;
  const fill = await runKvPhase(workload, shards, {
    ops: kvKeysPerClient,
    opAt: (i) => workload.fillOp(i),
    window,
    nowNs,
  });
  assertKvPhaseCorrect(fill, `${where}, fill`);
  const warmup = await runKvPhase(workload, shards, { ops: settings.warmupOpsPerClient, window, nowNs });
  assertKvPhaseCorrect(warmup, `${where}, warm-up`);
  await barrier();
  const latenciesNs = new Float64Array(settings.opsPerClient);
  const timed = await runKvPhase(workload, shards, {
    ops: settings.opsPerClient,
    window,
    nowNs,
    latenciesNs,
  });
  assertKvPhaseCorrect(timed, `${where}, timed`);
  return kvClientResult(workload.client, timed.elapsedNs, latenciesNs, warmup.gets + timed.gets);
}
