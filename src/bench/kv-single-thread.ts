// The single-thread baseline of `multikernel bench kv`: every client's operations applied by one
// thread to one Map (a KvShard), with no messages at all: what the workload costs without any
// parallelism and without any communication.
//
// The clients' workloads are the same as in the other two runs (same keys, same seeded streams, same
// model checking every get); their operations are interleaved one by one, client after client. The
// fill and the warm-up run first, untimed; the timed phase is every client's opsPerClient operations.
import { performance } from "node:perf_hooks";
import type { KvSettings } from "./kv-settings.js";
import { kvKeysPerClient } from "./kv-settings.js";
import { KvShard } from "./kv-shard.js";
import { KvWorkload, kvGetCode, kvOpCode, kvOpKey } from "./kv-workload.js";

export interface KvSingleThreadFigures {
  readonly ops: number;
  readonly opsPerSec: number;
  readonly getsChecked: number;
}

/** Applies `clients` clients' workloads to one Map on this thread; throws on a wrong get. */
export function measureSingleThreadKv(clients: number, settings: KvSettings): KvSingleThreadFigures {
  if (!Number.isInteger(clients) || clients < 1)
    throw new RangeError(`bench kv: single-thread baseline needs at least one client, got ${clients}`);
  const store = new KvShard();
  const workloads = Array.from({ length: clients }, (_, client) => new KvWorkload(client, clients));
  for (const workload of workloads)
    for (let i = 0; i < kvKeysPerClient; i++) apply(store, workload, workload.fillOp(i));
  let getsChecked = 0;
  for (let i = 0; i < settings.warmupOpsPerClient; i++)
    for (const workload of workloads) getsChecked += apply(store, workload, workload.mixedOp());
  const startMs = performance.now();
  for (let i = 0; i < settings.opsPerClient; i++)
    for (const workload of workloads) getsChecked += apply(store, workload, workload.mixedOp());
  const elapsedMs = performance.now() - startMs;
  const ops = settings.opsPerClient * clients;
  // A run too short for the clock to see counts as one microsecond, so that the rate stays finite.
  return { ops, opsPerSec: ops / (Math.max(elapsedMs, 1e-3) / 1e3), getsChecked };
}

/** Applies one operation; returns 1 for a get (checked), 0 for a put; throws on a wrong get. */
function apply(store: KvShard, workload: KvWorkload, op: number): number {
  const key = kvOpKey(op);
  const code = kvOpCode(op);
  const name = workload.keys[key] as string;
  if (code !== kvGetCode) {
    workload.putIssued(key, code);
    store.put(name, workload.value(key, code));
    return 0;
  }
  const expected = workload.expected(key);
  const [value, found] = store.get(name);
  if (!workload.matches(key, expected, value, found))
    throw new Error(`bench kv: single thread: ${workload.describeMismatch(key, expected, value, found)}`);
  return 1;
}
