/**
 * Mirrored media: call apps show the self view flipped (`transform: scaleX(-1)`), so the face appears on
 * the other side of the element from where it is in the source pixels. getBoundingClientRect is the same
 * box either way, so boxes must be flipped within it. Only a pure horizontal flip (with any scale) counts;
 * rotations and skews are left as they are.
 */

/**
 * True when a computed `transform` (`none`, `matrix(a, b, c, d, e, f)` or `matrix3d(...)`, as
 * getComputedStyle serialises it) flips the element left-right.
 */
export function isMirroredX(transform: string): boolean {
  const m = /^matrix(3d)?\(([^)]*)\)$/.exec(transform.trim());
  if (!m) return false;
  const v = m[2]!.split(',').map(Number);
  // 2D: a b c d e f; 3D: column-major m11 m12 m13 m14 m21 m22 ... (https://drafts.csswg.org/css-transforms-2/#serialization-of-the-computed-value)
  const [a, b, c, d] = m[1] ? [v[0], v[1], v[4], v[5]] : [v[0], v[1], v[2], v[3]];
  if ([a, b, c, d].some((n) => n === undefined || !Number.isFinite(n))) return false;
  return a! < 0 && d! > 0 && Math.abs(b!) < 1e-6 && Math.abs(c!) < 1e-6;
}

/** Flips a box left-right inside a box of `width` starting at 0 (same units). */
export function flipX<R extends { x: number; width: number }>(box: R, width: number): R {
  return { ...box, x: width - box.x - box.width };
}
