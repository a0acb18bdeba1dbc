// Tests of the pieces of `multikernel bench kv` (src/bench/kv-*.ts): the pipelined client gets what
// was put over shards that answer late and out of order across shards (FIFO within one, as a
// channel is), it notices and reports a wrong answer, the figures combine as documented, and both
// baselines run a tiny workload with every get checked. No timing is asserted.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KvBarrierPhase, KvBarriers } from "../../src/bench/kv-barrier.js";
import { runKvClient } from "../../src/bench/kv-client.js";
import { combineKvResults, type KvClientResult, kvClientResult } from "../../src/bench/kv-figures.js";
import { assertKvPhaseCorrect, type KvShards, runKvPhase } from "../../src/bench/kv-pipeline.js";
import { measurePostMessageKv } from "../../src/bench/kv-post-message.js";
import { kvKeysPerClient, kvSettings, readKvSettings, writeKvSettings } from "../../src/bench/kv-settings.js";
import { KvShard } from "../../src/bench/kv-shard.js";
import { measureSingleThreadKv } from "../../src/bench/kv-single-thread.js";
import { KvWorkload } from "../../src/bench/kv-workload.js";

/** Bound on a test that runs worker threads. */
const workerTestTimeoutMs = 60_000;
/** Timed operations of the tiny runs. */
const tinyOps = 500;
/** Most queued requests one shard answers in one turn of the event loop. */
const answersPerTurnMax = 3;

/**
 * Shards in this thread that answer late: each keeps its requests in a FIFO queue, and on every turn
 * of the event loop the shards, in a seeded random order, answer a random few of theirs. `corrupt`
 * may change a get's answer, to stand for a store that is wrong.
 */
function lateShards(
  count: number,
  corrupt: (value: string, found: boolean) => [string, boolean] = (v, f) => [v, f],
): KvShards {
  const stores = Array.from({ length: count }, () => new KvShard());
  const queues: Array<Array<() => void>> = Array.from({ length: count }, () => []);
  let seed = 12345;
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 16) % n;
  };
  let pumping = false;
  const pump = (): void => {
    pumping = false;
    const order = [...queues.keys()].sort(() => random(3) - 1);
    for (const shard of order) {
      for (let n = 1 + random(answersPerTurnMax); n > 0; n--) queues[shard]!.shift()?.();
    }
    if (queues.some((queue) => queue.length > 0)) schedule();
  };
  const schedule = (): void => {
    if (pumping) return;
    pumping = true;
    setImmediate(pump);
  };
  const enqueue = <T>(shard: number, answer: () => T): Promise<T> =>
    new Promise((resolve) => {
      queues[shard]!.push(() => resolve(answer()));
      schedule();
    });
  return {
    get: (shard, key) => enqueue(shard, () => corrupt(...stores[shard]!.get(key))),
    put: (shard, key, value) => enqueue(shard, () => stores[shard]!.put(key, value)),
  };
}

const nowNs = (): number => performance.now() * 1e6;

describe("bench kv: the pipelined client", () => {
  it("gets what it put, over late shards, with every get checked", async () => {
    const workload = new KvWorkload(1, 3);
    const shards = lateShards(3);
    const fill = await runKvPhase(workload, shards, {
      ops: kvKeysPerClient,
      opAt: (i) => workload.fillOp(i),
      window: 64,
      nowNs,
    });
    assert.equal(fill.gets, 0);
    const latenciesNs = new Float64Array(2_000);
    const mixed = await runKvPhase(workload, shards, { ops: 2_000, window: 64, nowNs, latenciesNs });
    assert.equal(mixed.mismatches, 0, mixed.firstMismatch);
    assert.ok(mixed.gets > 0 && mixed.gets < 2_000, `${mixed.gets} gets in a mix of gets and puts`);
    assert.ok(latenciesNs.every((ns) => ns >= 0));
    assert.doesNotThrow(() => assertKvPhaseCorrect(mixed, "test"));
  });

  it("notices a wrong answer and fails loudly, naming the key", async () => {
    const workload = new KvWorkload(0, 2);
    const wrong = lateShards(2, (value, found) => [found ? `${value}!` : value, found]);
    const settings = kvSettings(200, 32);
    await assert.rejects(
      runKvClient(workload, wrong, settings, nowNs, () => Promise.resolve()),
      /gets answered wrong; first: client 0: get c0k\d+ \(shard \d\) answered "c0k\d+=\d\.*!", expected "c0k\d+=\d\.*"/,
    );
  });

  it("notices a key that went missing", async () => {
    const workload = new KvWorkload(0, 1);
    const forgetful = lateShards(1, () => ["", false]);
    await assert.rejects(
      runKvClient(workload, forgetful, kvSettings(200, 8), nowNs, () => Promise.resolve()),
      /answered not found, expected "c0k/,
    );
  });

  it("runs the whole client, barrier included, and reports its timed phase", async () => {
    let barriers = 0;
    const result = await runKvClient(new KvWorkload(2, 4), lateShards(4), kvSettings(300, 16), nowNs, () => {
      barriers++;
      return Promise.resolve();
    });
    assert.equal(barriers, 1);
    assert.equal(result.ops, 300);
    assert.equal(result.latencyPointsNs.length, 300);
    assert.ok(result.getsChecked > 0 && Number.isFinite(result.meanOpNs));
  });
});

describe("bench kv: the domain's barriers", () => {
  it("answer a phase once every client has arrived", async () => {
    const barriers = new KvBarriers(3);
    let answered = 0;
    const arrive = (): Promise<[number]> =>
      barriers.arrive(KvBarrierPhase.Timed).then((arrived) => {
        answered++;
        return arrived;
      });
    const early = [arrive(), arrive()];
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, 0, "two of three clients do not pass");
    assert.deepEqual(await Promise.all([...early, arrive()]), [[3], [3], [3]]);
    assert.equal(answered, 3);
  });

  it("after a failure, refuse the timed phase but still meet at Done", async () => {
    const barriers = new KvBarriers(2);
    const waiting = barriers.arrive(KvBarrierPhase.Timed);
    assert.deepEqual(await barriers.arrive(KvBarrierPhase.Failed), [1]);
    await assert.rejects(waiting, /1 client\(s\) failed/);
    await assert.rejects(barriers.arrive(KvBarrierPhase.Timed), /failed/);
    let met = false;
    const first = barriers.arrive(KvBarrierPhase.Done).then(() => {
      met = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(met, false, "Done waits for every client, failed or not");
    await Promise.all([first, barriers.arrive(KvBarrierPhase.Done)]);
    assert.equal(met, true);
  });

  it("refuse a phase that does not exist", async () => {
    await assert.rejects(new KvBarriers(1).arrive(9), /no phase 9/);
  });
});

describe("bench kv: figures and settings", () => {
  const report = (client: number, elapsedNs: number, latencyNs: number): KvClientResult =>
    kvClientResult(client, elapsedNs, new Float64Array(100).fill(latencyNs), 10);

  it("combines clients: all operations over the slowest client's time, latencies merged", () => {
    const figures = combineKvResults([report(0, 1e6, 100), report(1, 2e6, 300)], 2);
    assert.equal(figures.ops, 200);
    assert.equal(figures.opsPerSec, 200 / 2e-3);
    assert.equal(figures.meanOpNs, 200);
    assert.equal(figures.p50OpNs, 100);
    assert.equal(figures.p99OpNs, 300);
    assert.equal(figures.getsChecked, 20);
  });

  it("refuses a missing or duplicated client report", () => {
    assert.throws(() => combineKvResults([report(0, 1e6, 100)], 2), /one report from each of 2 clients/);
    assert.throws(() => combineKvResults([report(0, 1e6, 100), report(0, 1e6, 100)], 2), /from 1/);
  });

  it("carries the settings through the environment and refuses bad ones", () => {
    const env: NodeJS.ProcessEnv = {};
    const settings = kvSettings(50_000, 200);
    writeKvSettings(settings, env);
    assert.deepEqual(readKvSettings(env), settings);
    assert.throws(() => readKvSettings({}), /MULTIKERNEL_KV_OPS is not set/);
    assert.throws(() => kvSettings(0, 8), /ops per client/);
    assert.throws(() => kvSettings(10, 100_000), /window/);
  });

  it("warms up no longer than it times", () => {
    assert.equal(kvSettings(100, 8).warmupOpsPerClient, 100);
  });
});

describe("bench kv: the baselines", () => {
  it("one thread with one Map checks every get of a tiny run", () => {
    const figures = measureSingleThreadKv(2, kvSettings(tinyOps, 8));
    assert.equal(figures.ops, 2 * tinyOps);
    assert.ok(figures.getsChecked > 0 && Number.isFinite(figures.opsPerSec) && figures.opsPerSec > 0);
  });

  it("postMessage between two workers runs a tiny run with every get checked", {
    timeout: workerTestTimeoutMs,
  }, async () => {
    const figures = await measurePostMessageKv(2, kvSettings(tinyOps, 32));
    assert.equal(figures.ops, 2 * tinyOps);
    assert.ok(figures.getsChecked > 0);
    for (const value of [figures.opsPerSec, figures.meanOpNs, figures.p50OpNs, figures.p99OpNs])
      assert.ok(Number.isFinite(value) && value > 0, JSON.stringify(figures));
    assert.ok(figures.p50OpNs <= figures.p99OpNs);
  });
});
