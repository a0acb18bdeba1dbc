// One client's workload in `multikernel bench kv`, and the model that checks every get it makes.
//
// Client c owns kvKeysPerClient keys ("c<c>k<i>"); each key lives on the shard its FNV-1a hash
// picks (as in examples/kv-store.ts), so a client's keys are spread over every shard. Clients write
// only their own keys, which makes each client's view exact: operations on one key go to one shard
// over one channel, which is FIFO, and a shard handles them in order, so a get answers the value of
// the client's last put issued before it. The model records, at issue time, the value each key
// must hold; a get's reply is checked against what the model said when the get was issued.
//
// An operation is packed in one number, `key * kvOpCodes + code`: a code below kvValueVariants is a
// put of that value variant, kvGetCode is a get. The fill puts every key once, in order; the mixed
// stream draws a key and a code from a seeded xorshift32, kvGetPercent gets in a hundred, the same
// sequence in every implementation of the store.
import { kvGetPercent, kvKeysPerClient, kvValueChars, kvValueVariants } from "./kv-settings.js";

/** The code of a get; codes below it are puts of that value variant. */
export const kvGetCode = kvValueVariants;
/** Codes an operation may carry (puts of each variant, and get). */
const kvOpCodes = kvValueVariants + 1;
/** The model's mark for a key that was never put. */
const absent = -1;

if (kvValueVariants > 127) throw new Error("kv-workload: a value variant must fit the model's Int8Array");

/** Which shard owns a key: FNV-1a of its characters, modulo the shards (as examples/kv-store.ts). */
export function shardOf(key: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return hash % shards;
}

/** The key index of a packed operation. */
export function kvOpKey(op: number): number {
  return Math.floor(op / kvOpCodes);
}

/** The code of a packed operation: a value variant (a put) or kvGetCode. */
export function kvOpCode(op: number): number {
  return op % kvOpCodes;
}

export class KvWorkload {
  /** This client's keys, by index. */
  readonly keys: readonly string[];
  /** The shard of each key. */
  readonly keyShard: Uint16Array;
  /** The value of each (key, variant), at `key * kvValueVariants + variant`. */
  private readonly values: readonly string[];
  /** The variant each key holds as far as this client issued; `absent` before its first put. */
  private readonly model: Int8Array;
  /** The xorshift32 state of the mixed stream; never 0. */
  private random: number;

  constructor(
    readonly client: number,
    readonly shards: number,
  ) {
    if (!Number.isInteger(shards) || shards < 1 || shards > 0xffff)
      throw new RangeError(`kv workload: ${shards} shards is not an integer in [1, 65535]`);
    this.keys = Array.from({ length: kvKeysPerClient }, (_, i) => `c${client}k${i}`);
    this.keyShard = Uint16Array.from(this.keys, (key) => shardOf(key, shards));
    this.values = this.keys.flatMap((key) =>
      Array.from({ length: kvValueVariants }, (_, v) => `${key}=${v}`.padEnd(kvValueChars, ".")),
    );
    this.model = new Int8Array(kvKeysPerClient).fill(absent);
    this.random = (Math.imul(client + 1, 0x9e3779b9) ^ 0x5bd1e995) >>> 0 || 1;
  }

  /** The i-th operation of the fill: a put of key i (variant i mod kvValueVariants). */
  fillOp(i: number): number {
    return i * kvOpCodes + (i % kvValueVariants);
  }

  /** The next operation of the mixed stream. */
  mixedOp(): number {
    const key = this.next() % kvKeysPerClient;
    const draw = this.next();
    const code = draw % 100 < kvGetPercent ? kvGetCode : (draw >>> 8) % kvValueVariants;
    return key * kvOpCodes + code;
  }

  /** The value a put of `variant` writes to `key`. */
  value(key: number, variant: number): string {
    return this.values[key * kvValueVariants + variant] as string;
  }

  /** Records a put being issued; from now on gets of `key` must see `variant`. */
  putIssued(key: number, variant: number): void {
    this.model[key] = variant;
  }

  /** What a get of `key` issued now must answer: a variant, or -1 for "not found". */
  expected(key: number): number {
    return this.model[key] as number;
  }

  /** Whether a get's reply matches what was `expected` when it was issued. */
  matches(key: number, expected: number, value: string, found: boolean): boolean {
    return expected === absent ? !found : found && value === this.value(key, expected);
  }

  /** One line saying what a wrong get answered and what it should have. */
  describeMismatch(key: number, expected: number, value: string, found: boolean): string {
    const want = expected === absent ? "not found" : JSON.stringify(this.value(key, expected));
    const got = found ? JSON.stringify(value) : "not found";
    return `client ${this.client}: get ${this.keys[key]} (shard ${this.keyShard[key]}) answered ${got}, expected ${want}`;
  }

  private next(): number {
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x >>> 0;
    return this.random;
  }
}
