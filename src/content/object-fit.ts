/**
 * Where the picture of an <img> or <video> actually is inside the element's content box, per CSS object-fit
 * (https://drafts.csswg.org/css-images/#the-object-fit), so boxes in source pixels land on the face. Videos
 * default to `contain` (letterboxed), images to `fill`. object-position is taken as centred (its default).
 */
import type { PxBox } from '../ml/types.ts';
import type { CssRect } from '../protocol/geometry.ts';

export type ObjectFit = 'fill' | 'contain' | 'cover' | 'none' | 'scale-down';

export function parseObjectFit(value: string): ObjectFit {
  return value === 'contain' || value === 'cover' || value === 'none' || value === 'scale-down'
    ? value
    : 'fill';
}

/** The rectangle (in `box`'s viewport CSS pixels) covered by a source image of `sourceWidth` x `sourceHeight`. */
export function fittedRect(box: CssRect, sourceWidth: number, sourceHeight: number, fit: ObjectFit): CssRect {
  if (sourceWidth <= 0 || sourceHeight <= 0 || box.width <= 0 || box.height <= 0) return { ...box };
  let scale: number;
  switch (fit) {
    case 'fill':
      return { ...box };
    case 'contain':
      scale = Math.min(box.width / sourceWidth, box.height / sourceHeight);
      break;
    case 'cover':
      scale = Math.max(box.width / sourceWidth, box.height / sourceHeight);
      break;
    case 'none':
      scale = 1;
      break;
    case 'scale-down':
      scale = Math.min(1, box.width / sourceWidth, box.height / sourceHeight);
      break;
  }
  const width = sourceWidth * scale;
  const height = sourceHeight * scale;
  return { x: box.x + (box.width - width) / 2, y: box.y + (box.height - height) / 2, width, height };
}

/** Maps a box in source pixels into the fitted rectangle. */
export function mapSourceBox(
  source: PxBox,
  sourceWidth: number,
  sourceHeight: number,
  fitted: CssRect,
): CssRect {
  const sx = fitted.width / sourceWidth;
  const sy = fitted.height / sourceHeight;
  return {
    x: fitted.x + source.x * sx,
    y: fitted.y + source.y * sy,
    width: source.width * sx,
    height: source.height * sy,
  };
}
