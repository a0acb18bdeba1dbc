// A sharded key-value store, one shard per core, with a replicated configuration: the shape of a
// shard-per-core service.
//
// Run it with `npx multikernel run dist/examples/kv-store.js` (every core) or `--core-list 0-3`;
// `-- N` sets the untimed warm-up rounds (default warmupRoundsDefault; a simulation needs none).
// Every core of the domain owns the keys that hash to it and exports its shard as "kv-<core>";
// every core binds to every shard (its own included, through the same kind of channel), then runs
// a workload: puts of its own keys wherever they hash, reads them back, and checks each value. No
// data structure is shared between cores: a key's one copy lives on its shard's core, and every
// access is a message.
//
// The store's configuration (the largest value a put accepts) is a replicated object: every core
// holds a replica and reads it locally on every put; changes go through the monitors. Core 0 sets
// it with a one-phase update before the workload; afterwards it tries to shrink it with two-phase
// commits, which a shard vetoes while it holds a longer value: all replicas apply or none does.
// The domain returns 0 only if every read saw what was written and every replica ends equal.
import { bindWhenExported, type DomainContext, defineRpc, type RpcClient, t } from "../src/index.js";

export const kvRpc = defineRpc("kv", {
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
  size: { call: [], reply: [["keys", t.u32]] },
});

const keysPerCore = 2_000;
/**
 * Untimed rounds (each a put and a get of every key) before the timed one, by default. V8 optimizes the call
 * path only after thousands of calls: on the dev machine the first round cost 25-45 µs per
 * operation on average, against 2.5-3 µs once warm. The first round is printed too.
 */
const warmupRoundsDefault = 20;

/** The warm-up rounds `-- N` asks for (a whole number), else warmupRoundsDefault. */
function warmupRoundsOf(args: readonly unknown[]): number {
  if (args.length === 0) return warmupRoundsDefault;
  const rounds = Number(args[0]);
  if (!Number.isInteger(rounds) || rounds < 0)
    throw new Error(`kv-store: warm-up rounds must be a whole number, got ${JSON.stringify(args[0])}`);
  return rounds;
}

interface StoreConfig {
  readonly version: number;
  readonly maxValueBytes: number;
  /** Set by core 0's last update: every replica has seen every decision before it. */
  readonly settled: boolean;
}
type ConfigUpdate = { readonly setMaxValueBytes: number; readonly settle?: boolean };
const bindTimeoutMs = 10_000;

/** "mean 2.1 µs, p50 1.8 µs, p99 4.0 µs" for operations timed in nanoseconds. */
function opSummary(samplesNs: Float64Array): string {
  const sorted = Float64Array.from(samplesNs).sort();
  const mean = sorted.reduce((sum, x) => sum + x, 0) / sorted.length;
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
  const us = (ns: number) => `${(ns / 1000).toFixed(1)} µs`;
  return `mean ${us(mean)}, p50 ${us(at(0.5))}, p99 ${us(at(0.99))}`;
}

/** FNV-1a: which shard owns a key. */
function shardOf(key: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return hash % shards;
}

export async function main(ctx: DomainContext): Promise<number> {
  // This core's shard: private to this core, reached by others only through its service.
  const shard = new Map<string, { value: string; version: number }>();
  // This core's replica of the configuration; a shard votes no to a maximum below a value it holds.
  const config = ctx.replicated<StoreConfig, ConfigUpdate>("config", {
    initial: { version: 0, maxValueBytes: 0, settled: false },
    apply: (state, update) => ({
      version: state.version + 1,
      maxValueBytes: update.setMaxValueBytes,
      settled: update.settle === true,
    }),
    validate: (_state, update) => {
      if (update.settle === true) return undefined;
      for (const { value } of shard.values()) {
        if (value.length > update.setMaxValueBytes)
          return `shard kv-${ctx.coreId} holds a ${value.length}-byte value`;
      }
      return undefined;
    },
  });
  await ctx.export(`kv-${ctx.coreId}`, kvRpc, {
    put: (key, value) => {
      const { maxValueBytes } = config.read();
      if (value.length > maxValueBytes)
        throw new Error(`value of ${value.length} bytes is over ${maxValueBytes}`);
      const version = (shard.get(key)?.version ?? 0) + 1;
      shard.set(key, { value, version });
      return [version];
    },
    get: (key) => {
      const entry = shard.get(key);
      return entry === undefined ? ["", false] : [entry.value, true];
    },
    size: () => [shard.size],
  });

  if (ctx.coreId === ctx.cores[0]) {
    const { seq } = await config.update({ setMaxValueBytes: 64 }, "one-phase");
    ctx.log(`configuration: values up to 64 bytes (one-phase update, seq ${seq})`);
  }
  while (config.read().version === 0) await ctx.sleep(1);

  const shards: RpcClient<typeof kvRpc.declaration>[] = [];
  for (const core of ctx.cores) shards.push(await bindWhenExported(ctx, `kv-${core}`, kvRpc, bindTimeoutMs));

  const keys = Array.from({ length: keysPerCore }, (_, i) => `core${ctx.coreId}-key${i}`);
  const remote = keys.filter((key) => ctx.cores[shardOf(key, ctx.cores.length)] !== ctx.coreId).length;
  // Each operation is timed on its own, so that the mean (what a user waits on average) is printed
  // beside the median and the 99th percentile: for the first round (cold: the code not optimized
  // yet) and for the round after warmupRounds more (what a running system costs).
  const warmupRounds = warmupRoundsOf(Array.isArray(ctx.args) ? ctx.args : []);
  const opNs = new Float64Array(2 * keys.length);
  let cold = "";
  let wrong = 0;
  for (let round = 0; round <= warmupRounds; round++) {
    if (round === 1) cold = `, first round, cold: ${opSummary(opNs)}`;
    for (const [i, key] of keys.entries()) {
      const started = ctx.nowNs();
      await shards[shardOf(key, shards.length)]!.put(key, `value of ${key}`);
      opNs[i] = ctx.nowNs() - started;
    }
    for (const [i, key] of keys.entries()) {
      const started = ctx.nowNs();
      const [value, found] = await shards[shardOf(key, shards.length)]!.get(key);
      opNs[keys.length + i] = ctx.nowNs() - started;
      if (!found || value !== `value of ${key}`) wrong++;
    }
  }
  ctx.log(
    `${keys.length} puts and gets (${remote} on other cores' shards), after ${warmupRounds} untimed rounds: ${opSummary(opNs)} per operation${cold}, ${wrong} wrong`,
  );
  // Wait until every core has written (the shard sizes add up), so that no shard closes under a
  // client still writing to it, then report this core's shard.
  const expected = keysPerCore * ctx.cores.length;
  for (;;) {
    let total = 0;
    for (const client of shards) total += (await client.size())[0];
    if (total >= expected) break;
    await ctx.sleep(1);
  }
  ctx.log(`shard kv-${ctx.coreId} holds ${shard.size} keys`);
  if (ctx.coreId === ctx.cores[0]) {
    for (const bytes of [8, 32]) {
      try {
        const { seq } = await config.update({ setMaxValueBytes: bytes }, "two-phase");
        ctx.log(`two-phase: values up to ${bytes} bytes committed everywhere (seq ${seq})`);
      } catch (error) {
        ctx.log(
          `two-phase: values up to ${bytes} bytes refused, applied nowhere: ${(error as Error).message}`,
        );
      }
    }
    await config.update({ setMaxValueBytes: config.read().maxValueBytes, settle: true }, "one-phase");
  }
  // Replicas apply in one order: once this one sees the settling update, it has seen every decision.
  while (!config.read().settled) await ctx.sleep(1);
  const final = config.read();
  ctx.log(`configuration replica: version ${final.version}, values up to ${final.maxValueBytes} bytes`);
  for (const client of shards) client.close();
  return wrong === 0 ? 0 : 1;
}
