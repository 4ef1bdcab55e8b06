/**
 * The geometry of a screen snapshot (tabs.captureVisibleTab) of one video: which pixels of the capture show
 * the video's picture, and how a face found in that crop maps back to the video's own pixels, so the overlay
 * draws it like a face from a frame. Pure: the caller measures the element (viewport CSS pixels, so scrolling
 * is already in them) and the picture inside it (object-fit letterboxing), and the capture's size gives the
 * CSS-to-capture scale (devicePixelRatio, page zoom) without trusting either number.
 */
import type { PxBox } from '../ml/types.ts';
import type { CssRect } from '../protocol/geometry.ts';

/** A size: CSS pixels for a viewport, pixels for a capture or a crop. */
export interface Size {
  width: number;
  height: number;
}

/** The part of `picture` inside the viewport, or null when none of it is on screen. */
export function visiblePart(picture: CssRect, viewport: Size): CssRect | null {
  if (!(viewport.width > 0 && viewport.height > 0)) {
    throw new Error(
      `visiblePart: the viewport must have a positive size, got ${viewport.width}x${viewport.height}`,
    );
  }
  const x0 = Math.max(0, picture.x);
  const y0 = Math.max(0, picture.y);
  const x1 = Math.min(viewport.width, picture.x + picture.width);
  const y1 = Math.min(viewport.height, picture.y + picture.height);
  if (x1 - x0 < 1 || y1 - y0 < 1) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** How far the horizontal and vertical capture scales may differ (rounding of odd sizes), relative. */
export const SCALE_TOLERANCE = 0.02;

export interface CaptureCrop {
  /** Whole pixels of the captured image. */
  capturePx: PxBox;
  /** The same rectangle in viewport CSS pixels (after rounding to whole capture pixels). */
  css: CssRect;
  /** Capture pixels per CSS pixel, per axis. */
  scaleX: number;
  scaleY: number;
}

/**
 * The whole capture pixels that cover `region` (viewport CSS px) in a `capture` of a `viewport`. The edges
 * are rounded outwards by less than a pixel and clamped to the capture; `css` is what the crop really covers.
 */
export function captureCrop(region: CssRect, viewport: Size, capture: Size): CaptureCrop {
  if (!(viewport.width > 0 && viewport.height > 0 && capture.width > 0 && capture.height > 0)) {
    throw new Error(
      `captureCrop: viewport and capture need positive sizes, got ${viewport.width}x${viewport.height} and ${capture.width}x${capture.height}`,
    );
  }
  if (!(region.width > 0 && region.height > 0)) {
    throw new Error(
      `captureCrop: the region must have a positive size, got ${region.width}x${region.height}`,
    );
  }
  const scaleX = capture.width / viewport.width;
  const scaleY = capture.height / viewport.height;
  // Both are devicePixelRatio (times zoom) when the capture is of this viewport; otherwise the picture is of
  // something else (an emulated viewport in automation, a resize in between) and no crop would be right.
  if (Math.abs(scaleX - scaleY) > SCALE_TOLERANCE * Math.max(scaleX, scaleY)) {
    throw new Error(
      `The screen capture (${capture.width}x${capture.height}) does not match the page's ${viewport.width}x${viewport.height} viewport; try again once the window has its size.`,
    );
  }
  // A hair of tolerance so 100.0000001 * 2 does not become an extra pixel.
  const eps = 1e-6;
  const x0 = Math.max(0, Math.floor(region.x * scaleX + eps));
  const y0 = Math.max(0, Math.floor(region.y * scaleY + eps));
  const x1 = Math.min(capture.width, Math.ceil((region.x + region.width) * scaleX - eps));
  const y1 = Math.min(capture.height, Math.ceil((region.y + region.height) * scaleY - eps));
  if (x1 - x0 < 1 || y1 - y0 < 1) {
    throw new Error(
      `captureCrop: the region ${JSON.stringify(region)} is outside the ${viewport.width}x${viewport.height} viewport`,
    );
  }
  const capturePx = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  return {
    capturePx,
    css: {
      x: x0 / scaleX,
      y: y0 / scaleY,
      width: capturePx.width / scaleX,
      height: capturePx.height / scaleY,
    },
    scaleX,
    scaleY,
  };
}

/**
 * A box in pixels of a crop (`cropPx` wide and high, covering `cropCss` on screen) -> pixels of the video
 * (`source` = videoWidth x videoHeight) whose picture covered `picture` on screen when it was captured.
 */
export function cropBoxToSource(
  box: PxBox,
  cropPx: Size,
  cropCss: CssRect,
  picture: CssRect,
  source: Size,
): PxBox {
  if (!(cropPx.width > 0 && cropPx.height > 0 && picture.width > 0 && picture.height > 0)) {
    throw new Error('cropBoxToSource: the crop and the picture must have positive sizes');
  }
  const cssPerCropX = cropCss.width / cropPx.width;
  const cssPerCropY = cropCss.height / cropPx.height;
  const sourcePerCssX = source.width / picture.width;
  const sourcePerCssY = source.height / picture.height;
  return {
    x: (cropCss.x + box.x * cssPerCropX - picture.x) * sourcePerCssX,
    y: (cropCss.y + box.y * cssPerCropY - picture.y) * sourcePerCssY,
    width: box.width * cssPerCropX * sourcePerCssX,
    height: box.height * cssPerCropY * sourcePerCssY,
  };
}
