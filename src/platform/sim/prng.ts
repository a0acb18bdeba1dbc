// A small seeded pseudo-random number generator: xoshiro128** seeded through splitmix32.
//
// The simulator owns every source of randomness (tie-breaks between simultaneous events, handler
// jitter, fault draws, the `random()` each core's logic sees), and each comes from one of these
// generators, so that the same seed replays the same run bit for bit. xoshiro128** is a 32-bit
// generator with 128 bits of state, fast in JavaScript because every step is 32-bit integer
// arithmetic; splitmix32 spreads a small seed over the four state words so that nearby seeds give
// unrelated streams. `fork(tag)` derives an independent stream (one per core, say).

/** splitmix32: one step of a 32-bit mixing function, used only to seed. */
function splitmix32(state: number): [next: number, value: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A generator for `seed` (any finite number; its integer part and fractional bits both count). */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Prng: seed must be a finite number, got ${seed}`);
    let s = (Math.floor(seed) ^ Math.floor(seed / 2 ** 32)) | 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, value] = splitmix32(s);
      s = next;
      words.push(value);
    }
    this.a = words[0]!;
    this.b = words[1]!;
    this.c = words[2]!;
    this.d = words[3]!;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9);
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [0, n), n a positive integer below 2^32. */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An independent generator derived from this one's seed material and `tag`. */
  fork(tag: number): Prng {
    return new Prng(((this.nextUint32() ^ Math.imul(tag + 1, 0x27d4eb2d)) >>> 0) + tag * 2 ** 32);
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const x = items[i]!;
      items[i] = items[j]!;
      items[j] = x;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
