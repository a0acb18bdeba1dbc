// A sharded key-value store, one shard per core: the shape of a shard-per-core service.
//
// Run it with `npx multikernel run dist/examples/kv-store.js` (every core) or `--cores 0-3`.
// Every core of the domain owns the keys that hash to it and exports its shard as "kv-<core>";
// every core binds to every shard (its own included, through the same kind of channel), then runs
// a workload: puts of its own keys wherever they hash, reads them back, and checks each value. No
// data structure is shared between cores: a key's one copy lives on its shard's core, and every
// access is a message. The domain returns 0 only if every read saw what was written.
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
const bindTimeoutMs = 10_000;

/** FNV-1a: which shard owns a key. */
function shardOf(key: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return hash % shards;
}

export async function main(ctx: DomainContext): Promise<number> {
  // This core's shard: private to this core, reached by others only through its service.
  const shard = new Map<string, { value: string; version: number }>();
  await ctx.export(`kv-${ctx.coreId}`, kvRpc, {
    put: (key, value) => {
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

  const shards: RpcClient<typeof kvRpc.declaration>[] = [];
  for (const core of ctx.cores) shards.push(await bindWhenExported(ctx, `kv-${core}`, kvRpc, bindTimeoutMs));

  const started = ctx.nowNs();
  const keys = Array.from({ length: keysPerCore }, (_, i) => `core${ctx.coreId}-key${i}`);
  const remote = keys.filter((key) => ctx.cores[shardOf(key, ctx.cores.length)] !== ctx.coreId).length;
  for (const key of keys) await shards[shardOf(key, shards.length)]!.put(key, `value of ${key}`);
  let wrong = 0;
  for (const key of keys) {
    const [value, found] = await shards[shardOf(key, shards.length)]!.get(key);
    if (!found || value !== `value of ${key}`) wrong++;
  }
  const microsPerOp = (ctx.nowNs() - started) / 1000 / (2 * keys.length);
  ctx.log(
    `${keys.length} puts and gets (${remote} on other cores' shards): ${microsPerOp.toFixed(2)} µs per operation, ${wrong} wrong`,
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
  for (const client of shards) client.close();
  return wrong === 0 ? 0 : 1;
}
