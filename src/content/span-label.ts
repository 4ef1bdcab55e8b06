/**
 * The overlay's marker for a result of the temporal mode: the stream time it covers, "2 s" for
 * EMO-AffectNet's full window at 5 fps, "1.2 s" while the window fills, "4 s" when frames come at 2.5 fps.
 * Tenths of a second, without a trailing ".0".
 */
export function spanLabel(spanMs: number): string {
  if (!(spanMs >= 0) || !Number.isFinite(spanMs)) throw new Error(`spanMs must be >= 0, got ${spanMs}`);
  const tenths = Math.round(spanMs / 100);
  return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)} s`;
}
