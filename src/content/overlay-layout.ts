/**
 * Where a picture's face boxes, labels and probability bars go, so that all of it stays inside the visible
 * picture (issue 13): a box is clipped to the picture, so its outline is always a closed rectangle; a label
 * sits above its box, else inside its top edge, else below it, clamped to the picture's edges and moved
 * clear of labels already placed; the bars go below the label and box, else above, beside or over the box,
 * compact when the full panel finds no room, and never over the label while any spot is free. Pure: sizes are measured by the caller, all rectangles
 * in one space (the overlay's local CSS pixels).
 */
import type { CssRect, CssSize } from '../protocol/geometry.ts';

export interface LayoutFace {
  id: number;
  /** The face box mapped onto the picture (may run past it). */
  box: CssRect;
  /** The label's measured size. */
  label: CssSize;
}

export interface BarsSizes {
  /** The full panel (names, bars, percentages). */
  full: CssSize;
  /** The compact panel, used when the full one does not fit. */
  compact: CssSize;
}

export type LabelPlacement = 'above' | 'inside' | 'below';

export interface FaceLayout {
  id: number;
  /** The box clipped to the picture; null when none of it is visible. */
  box: CssRect | null;
  label: CssRect & { placement: LabelPlacement };
  /** null when the bars are not shown. */
  bars: (CssRect & { compact: boolean }) | null;
}

/** The common part of two rectangles; null when they do not overlap (or either is null). */
export function intersectRects(a: CssRect | null, b: CssRect | null): CssRect | null {
  if (!a || !b) return null;
  const x0 = Math.max(a.x, b.x);
  const y0 = Math.max(a.y, b.y);
  const x1 = Math.min(a.x + a.width, b.x + b.width);
  const y1 = Math.min(a.y + a.height, b.y + b.height);
  return x1 - x0 > 0 && y1 - y0 > 0 ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
}

const overlapArea = (a: CssRect, b: CssRect): number => {
  const r = intersectRects(a, b);
  return r ? r.width * r.height : 0;
};

/** `r` moved (not resized, unless larger than `bounds`) so that it lies inside `bounds`. */
function clampInto(r: CssRect, bounds: CssRect): CssRect {
  const width = Math.min(r.width, bounds.width);
  const height = Math.min(r.height, bounds.height);
  const x = Math.min(Math.max(r.x, bounds.x), bounds.x + bounds.width - width);
  const y = Math.min(Math.max(r.y, bounds.y), bounds.y + bounds.height - height);
  return { x, y, width, height };
}

const fits = (r: CssRect, bounds: CssRect): boolean =>
  r.x >= bounds.x - 1e-6 &&
  r.y >= bounds.y - 1e-6 &&
  r.x + r.width <= bounds.x + bounds.width + 1e-6 &&
  r.y + r.height <= bounds.y + bounds.height + 1e-6;

/**
 * Lays out every face of one picture. `picture` is the visible picture (after object-fit, clipped to what is
 * on screen); `bars` null hides them. Faces are placed in the order given; labels never overlap one another
 * when there is any room for them.
 */
export function layoutFaces(
  faces: readonly LayoutFace[],
  picture: CssRect,
  bars: BarsSizes | null,
): FaceLayout[] {
  if (!(picture.width > 0 && picture.height > 0)) {
    throw new Error(
      `layoutFaces: the picture must have a positive size, got ${picture.width}x${picture.height}`,
    );
  }
  const placed: CssRect[] = [];
  return faces.map((face) => {
    const box = intersectRects(face.box, picture);
    // Where the label hangs from: the visible box, or (a face off the picture) the nearest picture edge.
    const anchor = box ?? clampInto({ ...face.box, width: 1, height: 1 }, picture);
    const { width, height } = face.label;
    const x = anchor.x;
    const wanted: (CssRect & { placement: LabelPlacement })[] = [
      { x, y: anchor.y - height, width, height, placement: 'above' },
      { x, y: anchor.y, width, height, placement: 'inside' },
      { x, y: anchor.y + anchor.height, width, height, placement: 'below' },
    ];
    const candidates = wanted.map((c) => ({ ...clampInto(c, picture), placement: c.placement }));
    const covered = (r: CssRect) => placed.reduce((sum, p) => sum + overlapArea(r, p), 0);
    // The first placement that fits where it wants to be and covers no earlier label; else the least covered.
    let label =
      candidates.find((c, i) => Math.abs(c.y - wanted[i]!.y) < 0.5 && covered(c) === 0) ??
      candidates.reduce((best, c) => (covered(c) < covered(best) ? c : best));
    // Still covering a label placed before: slide down past it, within the picture.
    for (let guard = 0; guard < placed.length && placed.some((p) => overlapArea(label, p) > 0); guard++) {
      const blocker = placed.find((p) => overlapArea(label, p) > 0)!;
      const below = clampInto({ ...label, y: blocker.y + blocker.height }, picture);
      const above = clampInto({ ...label, y: blocker.y - label.height }, picture);
      const next = [below, above].find((r) => !placed.some((p) => overlapArea(r, p) > 0)) ?? below;
      label = { ...next, placement: label.placement };
    }
    placed.push(label);
    return { id: face.id, box, label, bars: bars ? placeBars(label, box ?? anchor, picture, bars) : null };
  });
}

/**
 * The bars next to the label and box: below them, above them, beside the box (right, then left), or over the
 * box under the label; the full panel where it fits such a spot, else the compact one. With no free spot at
 * all (a picture smaller than the panel), the compact panel is clamped into the picture under the label.
 */
function placeBars(
  label: CssRect,
  box: CssRect,
  picture: CssRect,
  sizes: BarsSizes,
): CssRect & { compact: boolean } {
  const top = Math.min(label.y, box.y);
  const bottom = Math.max(label.y + label.height, box.y + box.height);
  const spotsFor = ({ width, height }: CssSize): CssRect[] => [
    { x: label.x, y: bottom + 2, width, height },
    { x: label.x, y: top - height - 2, width, height },
    { x: box.x + box.width + 2, y: label.y, width, height },
    { x: box.x - width - 2, y: label.y, width, height },
    { x: label.x, y: label.y + label.height + 2, width, height },
  ];
  for (const compact of [false, true]) {
    const size = compact ? sizes.compact : sizes.full;
    const spot = spotsFor(size).find((s) => fits(s, picture) && overlapArea(s, label) === 0);
    if (spot) return { ...spot, compact };
  }
  const fallback = clampInto(spotsFor(sizes.compact)[4]!, picture);
  return { ...fallback, compact: true };
}
