// A client of `multikernel bench kv` issuing its operations pipelined: `window` lanes, each an
// async loop that takes the workload's next operation, sends it to the key's shard and awaits the
// reply, so that up to `window` operations are in flight at once, spread over the shards.
//
// The same runner drives the multikernel (shards reached through rpc bindings) and the postMessage
// baseline (shards reached through MessagePorts): only the KvShards behind it differ. Each
// operation is timed from just before its send to just after its reply is seen, with the caller's
// clock, and every get is checked against the workload's model (see kv-workload.ts). The phase
// ends when every lane has drained; a failed call stops the lanes and, once they drained, rejects
// the phase, so that no call of the phase is left in flight.
import { type KvWorkload, kvGetCode, kvOpCode, kvOpKey } from "./kv-workload.js";

/** The shards as one client sees them: each call resolves with the shard's reply. */
export interface KvShards {
  get(shard: number, key: string): PromiseLike<readonly [string, boolean]>;
  put(shard: number, key: string, value: string): PromiseLike<unknown>;
}

/** What one phase of a client did. */
export interface KvPhaseResult {
  readonly ops: number;
  readonly elapsedNs: number;
  /** Gets whose reply was checked against the model. */
  readonly gets: number;
  readonly mismatches: number;
  /** The first wrong get, described; "" when there was none. */
  readonly firstMismatch: string;
}

export interface KvPhase {
  /** Operations to issue. */
  readonly ops: number;
  /** The i-th operation (for the fill), or undefined for the workload's mixed stream. */
  readonly opAt?: (i: number) => number;
  readonly window: number;
  /** The caller's clock, in nanoseconds. */
  readonly nowNs: () => number;
  /** Where the latency of the i-th operation goes, when the phase is timed. */
  readonly latenciesNs?: Float64Array;
}

/** Runs one phase of `workload` against `shards`; resolves when every operation was answered. */
export async function runKvPhase(
  workload: KvWorkload,
  shards: KvShards,
  phase: KvPhase,
): Promise<KvPhaseResult> {
  const { ops, opAt, nowNs, latenciesNs } = phase;
  let issued = 0;
  let gets = 0;
  let mismatches = 0;
  let firstMismatch = "";
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (issued < ops && failure === undefined) {
      const index = issued++;
      const op = opAt === undefined ? workload.mixedOp() : opAt(index);
      const key = kvOpKey(op);
      const code = kvOpCode(op);
      const shard = workload.keyShard[key] as number;
      const startNs = nowNs();
      if (code === kvGetCode) {
        const expected = workload.expected(key);
        const [value, found] = await shards.get(shard, workload.keys[key] as string);
        gets++;
        if (!workload.matches(key, expected, value, found)) {
          if (mismatches++ === 0) firstMismatch = workload.describeMismatch(key, expected, value, found);
        }
      } else {
        workload.putIssued(key, code);
        await shards.put(shard, workload.keys[key] as string, workload.value(key, code));
      }
      if (latenciesNs !== undefined) latenciesNs[index] = nowNs() - startNs;
    }
  };
  // A failed call stops every lane from issuing more; the phase rejects once the others drained.
  const guarded = (): Promise<void> =>
    lane().catch((error: unknown) => {
      failure ??= { error };
    });
  const startNs = nowNs();
  await Promise.all(Array.from({ length: Math.min(phase.window, ops) }, guarded));
  if (failure !== undefined) throw failure.error;
  return { ops, elapsedNs: nowNs() - startNs, gets, mismatches, firstMismatch };
}

/** Throws, naming the first wrong get, if the phase saw any. */
export function assertKvPhaseCorrect(result: KvPhaseResult, where: string): void {
  if (result.mismatches > 0)
    throw new Error(
      `bench kv: ${where}: ${result.mismatches} of ${result.gets} gets answered wrong; first: ${result.firstMismatch}`,
    );
}
