/**
 * What a user would see broken in the overlay's layout (issue 13), from its own description: a box, label or
 * bar panel outside the visible picture, or two labels of one picture on top of each other. Empty: all good.
 */
import type { CssRect } from '../../../src/protocol/geometry.ts';
import type { OverlaySnapshot } from '../../../src/protocol/overlay.ts';

/** Rounding of CSS pixels between the overlay's layout and getBoundingClientRect. */
const TOLERANCE_PX = 1;

const inside = (r: CssRect, p: CssRect) =>
  r.x >= p.x - TOLERANCE_PX &&
  r.y >= p.y - TOLERANCE_PX &&
  r.x + r.width <= p.x + p.width + TOLERANCE_PX &&
  r.y + r.height <= p.y + p.height + TOLERANCE_PX;

const overlapArea = (a: CssRect, b: CssRect) =>
  Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)) *
  Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));

/** Intersection over union of two boxes (any one unit). */
export function iou(a: CssRect, b: CssRect): number {
  const inter = overlapArea(a, b);
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** A box in fractions of a picture (0..1), to compare boxes over pictures of different sizes. */
export function normalised(box: CssRect, picture: CssRect): CssRect {
  return {
    x: (box.x - picture.x) / picture.width,
    y: (box.y - picture.y) / picture.height,
    width: box.width / picture.width,
    height: box.height / picture.height,
  };
}

export function layoutProblems(snapshot: OverlaySnapshot, { bars }: { bars: boolean }): string[] {
  const problems: string[] = [];
  for (const overlay of snapshot.overlays) {
    if (overlay.faces.length === 0) continue;
    const where = `${overlay.src.slice(-30)}`;
    const picture = overlay.picture;
    if (!picture) {
      problems.push(`${where}: faces drawn but no visible picture`);
      continue;
    }
    const check = (what: string, r: CssRect | null | undefined) => {
      if (!r) problems.push(`${where}: no ${what}`);
      else if (!inside(r, picture))
        problems.push(`${where}: ${what} ${JSON.stringify(r)} outside ${JSON.stringify(picture)}`);
    };
    overlay.faces.forEach((face, i) => {
      check(`box ${i + 1}`, face.rect);
      check(`label ${i + 1}`, face.labelRect);
      if (bars) check(`bars ${i + 1}`, face.barsRect);
    });
    for (let i = 0; i < overlay.faces.length; i++)
      for (let j = i + 1; j < overlay.faces.length; j++)
        if (overlapArea(overlay.faces[i]!.labelRect!, overlay.faces[j]!.labelRect!) > 0)
          problems.push(`${where}: labels ${i + 1} and ${j + 1} overlap`);
  }
  return problems;
}
