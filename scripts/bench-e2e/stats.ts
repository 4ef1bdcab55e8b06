/** Summaries of timing samples (ms): mean, median, p95 by the nearest-rank method. */

export interface Summary {
  n: number;
  mean: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

/** The value at quantile q (0..1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  const mean = n === 0 ? Number.NaN : sorted.reduce((s, v) => s + v, 0) / n;
  return {
    n,
    mean,
    median: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    min: sorted[0] ?? Number.NaN,
    max: sorted[n - 1] ?? Number.NaN,
  };
}

/** Dropped video frames over an interval, from two getVideoPlaybackQuality() readings. */
export interface PlaybackQuality {
  totalVideoFrames: number;
  droppedVideoFrames: number;
}

export function droppedBetween(
  before: PlaybackQuality,
  after: PlaybackQuality,
): { frames: number; dropped: number; percent: number } {
  const frames = after.totalVideoFrames - before.totalVideoFrames;
  const dropped = after.droppedVideoFrames - before.droppedVideoFrames;
  return { frames, dropped, percent: frames > 0 ? (100 * dropped) / frames : Number.NaN };
}
