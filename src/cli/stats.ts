/**
 * The numbers the tools share: median, nearest-rank percentile, an evenly spaced subset (eval's --limit,
 * bench's FER2013 crops), and the ms format of bench's tables.
 */

/** Median (mean of the middle two for even counts). Throws on an empty list: no silent zero. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Nearest-rank percentile (p in 0..100): the smallest value with at least p% of the values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile expects p in 0..100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? 0;
}

/** Median and p95 of timings in ms, as bench reports them. */
export interface TimingStats {
  medianMs: number;
  p95Ms: number;
}

export function timingStats(valuesMs: readonly number[]): TimingStats {
  return { medianMs: median(valuesMs), p95Ms: percentile(valuesMs, 95) };
}

/** Evenly spaced subset of n rows (all rows when n >= length), so a CSV sorted by class keeps every class. */
export function evenlySpaced<T>(items: readonly T[], n: number | undefined): T[] {
  if (n === undefined || n >= items.length) return [...items];
  const picked: T[] = [];
  for (let i = 0; i < n; i++) {
    const item = items[Math.floor((i * items.length) / n)];
    if (item !== undefined) picked.push(item);
  }
  return picked;
}

/** Milliseconds with 3 significant digits or so: 123, 12.3, 1.23. */
export function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}
