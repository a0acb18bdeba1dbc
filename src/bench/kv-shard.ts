// One shard of the store in `multikernel bench kv`: a Map from key to value and version, with the
// put and get of examples/kv-store.ts (a put answers the key's new version, a get its value and
// whether it was found). The multikernel's shard servers, the postMessage baseline's workers and
// the single-thread baseline all keep their keys in one of these, so the three differ only in how
// an operation reaches the Map.

export class KvShard {
  private readonly entries = new Map<string, { value: string; version: number }>();

  /** Stores `value` under `key`; returns the key's version, 1 for its first put. */
  put(key: string, value: string): number {
    const version = (this.entries.get(key)?.version ?? 0) + 1;
    this.entries.set(key, { value, version });
    return version;
  }

  /** The value under `key` and true, or "" and false when it was never put. */
  get(key: string): [string, boolean] {
    const entry = this.entries.get(key);
    return entry === undefined ? ["", false] : [entry.value, true];
  }

  /** Keys held. */
  get size(): number {
    return this.entries.size;
  }
}
