/** Percentile (nearest rank) of a sorted numeric array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50/p95/p99/max/mean of raw samples (ms), rounded to 0.1 ms. */
export function summarize(samples) {
  const sorted = Float64Array.from(samples).sort();
  const r = (x) => (x === null ? null : Math.round(x * 10) / 10);
  const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null;
  return {
    n: sorted.length,
    p50: r(percentile(sorted, 50)),
    p95: r(percentile(sorted, 95)),
    p99: r(percentile(sorted, 99)),
    max: r(sorted.length ? sorted[sorted.length - 1] : null),
    mean: r(mean),
  };
}

/** Points of an empirical CDF, thinned to at most `points` entries: [[ms, fraction], …]. */
export function cdf(samples, points = 200) {
  const sorted = Float64Array.from(samples).sort();
  if (sorted.length === 0) return [];
  const out = [];
  const step = Math.max(1, Math.floor(sorted.length / points));
  for (let i = 0; i < sorted.length; i += step) out.push([round2(sorted[i]), (i + 1) / sorted.length]);
  out.push([round2(sorted[sorted.length - 1]), 1]);
  return out;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
}

const round2 = (x) => Math.round(x * 100) / 100;
export const round = (x, digits = 0) => (x === null || x === undefined ? null : Number(x.toFixed(digits)));

/**
 * Percentiles over every expected delivery, an undelivered one counting as slower than any
 * that arrived: a percentile that falls among the undelivered is null ("not delivered").
 */
export function summarizeExpected(samples, expected) {
  const sorted = Float64Array.from(samples).sort();
  const at = (p) => {
    if (expected === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * expected));
    return rank <= sorted.length ? Math.round(sorted[rank - 1] * 10) / 10 : null;
  };
  return {
    expected,
    delivered: sorted.length,
    deliveredPercent: expected ? Math.round((sorted.length / expected) * 10_000) / 100 : null,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: sorted.length === expected && expected > 0 ? Math.round(sorted[expected - 1] * 10) / 10 : null,
  };
}
