// splitmix32: a tiny seeded PRNG for the loopback platform.
//
// Each call adds the golden-ratio increment to a 32-bit state and scrambles it with two
// multiply-xorshift rounds (the 32-bit variant of Steele, Lea and Flood's SplitMix). It is not
// cryptographic; it is small, fast, and gives the same sequence for the same seed on every machine,
// which is all a deterministic test harness needs.

/** Returns a function that yields uniformly distributed numbers in [0, 1), reproducible from `seed`. */
export function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    z = (z ^ (z >>> 15)) >>> 0;
    return z / 0x1_0000_0000;
  };
}
