// The domain behind `multikernel bench kv`: the sharded key-value store of examples/kv-store.ts,
// every core both a shard server and a client of every shard, driven pipelined for a throughput.
//
// On each core it spans:
//   1. export this core's shard as "kv-bench-<core>" (get, put, and a barrier that only the first
//      core's shard is asked for);
//   2. bind to every shard, its own included, through the monitors;
//   3. run the client (src/bench/kv-client.ts): fill, warm-up, barrier, timed phase, with up to the
//      settings' window of calls in flight spread over the shards by key hash, every get checked;
//   4. print its report as one line, `kv-bench: ` and JSON, which the command reads from the output;
//   5. wait at the Done barrier, so that no core closes its shard while another still calls it.
// A wrong get (or a failed call) fails the core's exit, and with it the command, but only after the
// Done barrier: a failing core says so first, which stops the others before their timed phases
// (src/bench/kv-barrier.ts). The settings come from the environment (kv-settings.ts).
import { bindWhenExported, type DomainContext, defineRpc, type RpcClient, t } from "../../index.js";
import { domainBindTimeoutMs } from "../../limits.js";
import { KvBarrierPhase, KvBarriers } from "../kv-barrier.js";
import { runKvClient } from "../kv-client.js";
import type { KvClientResult } from "../kv-figures.js";
import type { KvShards } from "../kv-pipeline.js";
import { type KvSettings, kvPhaseTimeoutMs, readKvSettings } from "../kv-settings.js";
import { KvShard } from "../kv-shard.js";
import { KvWorkload } from "../kv-workload.js";

/** The prefix of a core's report line. */
export const kvBenchResultPrefix = "kv-bench: ";

/** examples/kv-store.ts's get and put, and a barrier for the clients. */
export const kvBenchRpc = defineRpc("kv_bench", {
  put: {
    call: [
      ["key", t.string(64)],
      ["value", t.string(256)],
    ],
    reply: [["version", t.u32]],
  },
  get: {
    call: [["key", t.string(64)]],
    reply: [
      ["value", t.string(256)],
      ["found", t.bool],
    ],
  },
  barrier: { call: [["phase", t.u32]], reply: [["arrived", t.u32]] },
});

export async function main(ctx: DomainContext): Promise<number> {
  const settings = readKvSettings();
  const shard = new KvShard();
  const barriers = new KvBarriers(ctx.cores.length);
  await ctx.export(`kv-bench-${ctx.coreId}`, kvBenchRpc, {
    put: (key, value) => [shard.put(key, value)],
    get: (key) => shard.get(key),
    barrier: (phase) => barriers.arrive(phase),
  });
  const clients: RpcClient<typeof kvBenchRpc.declaration>[] = [];
  for (const core of ctx.cores)
    clients.push(await bindWhenExported(ctx, `kv-bench-${core}`, kvBenchRpc, domainBindTimeoutMs));
  // The barriers' own binding to the first core, its calls bounded: a stuck client fails the run.
  const leader = await ctx.bind(`kv-bench-${ctx.cores[0]}`, kvBenchRpc, { callTimeoutMs: kvPhaseTimeoutMs });
  let failure: unknown;
  try {
    const result = await runClient(ctx, clients, settings, () => leader.barrier(KvBarrierPhase.Timed));
    ctx.log(`${kvBenchResultPrefix}${JSON.stringify(result)}`);
  } catch (error) {
    failure = error;
    await leader.barrier(KvBarrierPhase.Failed).then(undefined, () => undefined); // Done will tell
  }
  // Whatever happened, every client stops calling before any shard closes (see kv-barrier.ts).
  const doneFailure = await leader.barrier(KvBarrierPhase.Done).then(
    () => undefined,
    (error: unknown) => error,
  );
  for (const client of [...clients, leader]) client.close();
  if (failure !== undefined) throw failure;
  if (doneFailure !== undefined) throw doneFailure;
  return 0;
}

function runClient(
  ctx: DomainContext,
  clients: readonly RpcClient<typeof kvBenchRpc.declaration>[],
  settings: KvSettings,
  barrier: () => PromiseLike<unknown>,
): Promise<KvClientResult> {
  const shards: KvShards = {
    get: (s, key) => clients[s]!.get(key),
    put: (s, key, value) => clients[s]!.put(key, value),
  };
  const workload = new KvWorkload(ctx.cores.indexOf(ctx.coreId), ctx.cores.length);
  return runKvClient(workload, shards, settings, () => ctx.nowNs(), barrier);
}
