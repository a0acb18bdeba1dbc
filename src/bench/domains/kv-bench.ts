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
//   5. wait at a second barrier, so that no core closes its bindings while another still calls.
// A wrong get throws, which fails the core's exit and with it the command; the failing core first
// fails the barriers, so that the other cores stop waiting and the domain ends. The settings come from
// the environment (kv-settings.ts).
import { bindWhenExported, type DomainContext, defineRpc, type RpcClient, t } from "../../index.js";
import { domainBindTimeoutMs } from "../../limits.js";
import { runKvClient } from "../kv-client.js";
import type { KvShards } from "../kv-pipeline.js";
import { kvPhaseTimeoutMs, readKvSettings } from "../kv-settings.js";
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

const enum BarrierPhase {
  /** Every client has filled and warmed up: the timed phases start together. */
  Timed = 1,
  /** Every client has finished: bindings may close. */
  Done = 2,
  /** Not a meeting: a client failed, and every barrier fails from now on instead of waiting. */
  Failed = 3,
}

interface Waiter {
  readonly resolve: (arrived: [number]) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Barriers of `parties` clients: a call to phase p is answered once all parties have called it.
 * After a Failed call, every waiting and later call is refused, so that one client's failure ends
 * the others' waits at once rather than after kvPhaseTimeoutMs.
 */
class KvBarriers {
  private readonly waiting = new Map<number, Waiter[]>();
  private failed = false;

  constructor(private readonly parties: number) {}

  arrive(phase: number): Promise<[number]> {
    if (phase === BarrierPhase.Failed) this.fail();
    if (this.failed) return Promise.reject(new Error("kv-bench barrier: another client failed"));
    if (phase !== BarrierPhase.Timed && phase !== BarrierPhase.Done)
      return Promise.reject(new Error(`kv-bench barrier: no phase ${phase}`));
    return new Promise((resolve, reject) => {
      const waiting = this.waiting.get(phase) ?? [];
      waiting.push({ resolve, reject });
      this.waiting.set(phase, waiting);
      if (waiting.length < this.parties) return;
      this.waiting.delete(phase);
      for (const waiter of waiting) waiter.resolve([waiting.length]);
    });
  }

  private fail(): void {
    this.failed = true;
    for (const waiting of this.waiting.values())
      for (const waiter of waiting) waiter.reject(new Error("kv-bench barrier: another client failed"));
    this.waiting.clear();
  }
}

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
  // The barrier's own binding to the first core, its calls bounded: a stuck client fails the run.
  const leader = await ctx.bind(`kv-bench-${ctx.cores[0]}`, kvBenchRpc, { callTimeoutMs: kvPhaseTimeoutMs });
  clients.push(leader);
  const shards: KvShards = {
    get: (s, key) => clients[s]!.get(key),
    put: (s, key, value) => clients[s]!.put(key, value),
  };
  try {
    const workload = new KvWorkload(ctx.cores.indexOf(ctx.coreId), ctx.cores.length);
    const nowNs = (): number => ctx.nowNs();
    const result = await runKvClient(workload, shards, settings, nowNs, () =>
      leader.barrier(BarrierPhase.Timed),
    );
    ctx.log(`${kvBenchResultPrefix}${JSON.stringify(result)}`);
    await leader.barrier(BarrierPhase.Done);
  } catch (error) {
    leader.barrier(BarrierPhase.Failed).then(undefined, () => {}); // releases the others; refused by design
    throw error;
  } finally {
    for (const client of clients) client.close();
  }
  return 0;
}
