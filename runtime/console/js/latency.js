// Percentiles from the server's fixed-bucket histograms (runtime/metrics.hpp), the same
// interpolation as histogram_snapshot::quantile() and Prometheus' histogram_quantile().

/** The q-quantile in seconds of `buckets` (per bucket, last = +Inf) over `bounds`. */
export function quantile(bounds, buckets, q) {
  const count = buckets.reduce((a, b) => a + b, 0);
  if (count === 0) return NaN;
  const rank = q * count;
  let below = 0;
  for (let i = 0; i < bounds.length; i += 1) {
    const n = buckets[i];
    if (n > 0 && below + n >= rank) {
      const lower = i === 0 ? 0 : bounds[i - 1];
      return lower + (bounds[i] - lower) * Math.min(1, Math.max(0, (rank - below) / n));
    }
    below += n;
  }
  return bounds[bounds.length - 1];
}

/** Observations between two snapshots of one histogram: later.buckets - earlier.buckets. */
export function delta(later, earlier) {
  if (!earlier) return later.buckets.slice();
  return later.buckets.map((n, i) => Math.max(0, n - (earlier.buckets[i] ?? 0)));
}
