// One worker of the postMessage baseline of `multikernel bench kv`: a shard server and a client of
// every shard, as one core is in the multikernel domain, written as a straightforward Node program.
//
// The main thread (bench/kv-post-message.ts) gives it, in workerData, one MessagePort per shard to
// call on (its own shard's included, as the domain binds to its own shard too) and one per client to
// serve on. A request is one message, [id, key] for a get and [id, key, value] for a put; the reply
// is one message, [id, value, found] or [id, version]; nothing is batched beyond what postMessage
// itself does. The client side is the same pipelined runner as the domain's (bench/kv-client.ts).
// Control goes over parentPort: "ready" when filled and warmed up, "go" back once every worker is,
// then the timed phase and its report, { result }.
import { type MessagePort, parentPort, workerData } from "node:worker_threads";
import { runKvClient } from "../kv-client.js";
import type { KvShards } from "../kv-pipeline.js";
import type { KvSettings } from "../kv-settings.js";
import { KvShard } from "../kv-shard.js";
import { KvWorkload } from "../kv-workload.js";

/** What the main thread hands each worker. */
export interface KvShardWorkerData {
  readonly client: number;
  readonly settings: KvSettings;
  /** Port i reaches shard i. */
  readonly shardPorts: readonly MessagePort[];
  /** Port j serves client j. */
  readonly clientPorts: readonly MessagePort[];
}

type Request = [id: number, key: string] | [id: number, key: string, value: string];
type Reply = [id: number, value: string, found: boolean] | [id: number, version: number];

function serve(shard: KvShard, port: MessagePort): void {
  port.on("message", (request: Request) => {
    const [id, key] = request;
    const reply: Reply = request.length === 3 ? [id, shard.put(key, request[2])] : [id, ...shard.get(key)];
    port.postMessage(reply);
  });
}

/**
 * One shard's port as a client uses it: a promise per request, settled by the reply with its id, a
 * get's with [value, found] and a put's with the version.
 */
function caller(port: MessagePort): KvShardCaller {
  const pending = new Map<number, (answer: unknown) => void>();
  let lastId = 0;
  port.on("message", (reply: Reply) => {
    const resolve = pending.get(reply[0]);
    if (resolve === undefined)
      throw new Error(`kv shard worker: a reply to ${reply[0]}, which nobody awaits`);
    pending.delete(reply[0]);
    resolve(reply.length === 3 ? [reply[1], reply[2]] : reply[1]);
  });
  const send = <T>(request: Request): Promise<T> =>
    new Promise((resolve) => {
      pending.set(request[0], resolve as (answer: unknown) => void);
      port.postMessage(request);
    });
  const nextId = (): number => {
    lastId = (lastId + 1) >>> 0;
    return lastId;
  };
  return {
    get: (key) => send([nextId(), key]),
    put: (key, value) => send([nextId(), key, value]),
  };
}

interface KvShardCaller {
  get(key: string): Promise<[string, boolean]>;
  put(key: string, value: string): Promise<number>;
}

/** Resolves on the main thread's "go", after telling it this worker is ready. */
function barrier(control: MessagePort): Promise<void> {
  return new Promise((resolve, reject) => {
    control.once("message", (message: unknown) => {
      if (message === "go") resolve();
      else reject(new Error(`kv shard worker: the main thread sent ${String(message)}, not "go"`));
    });
    control.postMessage("ready");
  });
}

const control = parentPort;
if (control === null) throw new Error("kv shard worker: must run as a worker thread");
const data = workerData as KvShardWorkerData;
const shard = new KvShard();
for (const port of data.clientPorts) serve(shard, port);
const calls = data.shardPorts.map(caller);
const shards: KvShards = {
  get: (s, key) => calls[s]!.get(key),
  put: (s, key, value) => calls[s]!.put(key, value),
};
const workload = new KvWorkload(data.client, data.shardPorts.length);
const nowNs = (): number => performance.now() * 1e6;
const result = await runKvClient(workload, shards, data.settings, nowNs, () => barrier(control));
control.postMessage({ result });
