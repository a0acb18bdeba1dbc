// Summaries of latency samples: the one place where a benchmark turns numbers into p50, p99 and
// friends.
//
// Samples are sorted (a copy; the caller's array is left alone) and percentiles taken by the
// nearest-rank method: p is the smallest sample with at least p% of the samples at or below it. No
// interpolation and no histogram buckets, so every reported figure is a value that was measured.
// Sorting a hundred thousand float64s takes milliseconds, well below the cost of measuring them.

export interface Summary {
  count: number;
  minNs: number;
  meanNs: number;
  p50Ns: number;
  p99Ns: number;
  maxNs: number;
}

/** The nearest-rank percentile `p` (0 < p ≤ 100) of samples already sorted ascending. */
export function percentileSorted(sortedNs: ArrayLike<number>, p: number): number {
  if (sortedNs.length === 0) throw new Error("percentileSorted: no samples");
  if (!(p > 0 && p <= 100)) throw new Error(`percentileSorted: p must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * sortedNs.length);
  return sortedNs[Math.min(sortedNs.length, Math.max(1, rank)) - 1] as number;
}

/** Summarises samples in nanoseconds; throws on an empty or non-finite sample set. */
export function summarise(samplesNs: ArrayLike<number>): Summary {
  const count = samplesNs.length;
  if (count === 0) throw new Error("summarise: no samples");
  const sorted = Float64Array.from(samplesNs).sort();
  let sum = 0;
  for (const x of sorted) {
    if (!Number.isFinite(x)) throw new Error(`summarise: sample ${x} is not finite`);
    sum += x;
  }
  return {
    count,
    minNs: sorted[0] as number,
    meanNs: sum / count,
    p50Ns: percentileSorted(sorted, 50),
    p99Ns: percentileSorted(sorted, 99),
    maxNs: sorted[count - 1] as number,
  };
}
