/**
 * Where a <video>'s picture is on screen now, in viewport CSS pixels: the element's content box (inside
 * border and padding) and, within it, the rectangle object-fit gives the picture (letterboxed by default).
 * getBoundingClientRect is relative to the viewport, so scrolling is already in it. CSS transforms other than
 * translation and scale, and pinch-zoom, are not accounted for.
 */
import type { CssRect } from '../protocol/geometry.ts';
import { fittedRect, parseObjectFit } from './object-fit.ts';

/** The element's content box (inside border and padding); `style` when the caller has it already. */
export function contentBoxOf(
  element: Element,
  style: CSSStyleDeclaration = getComputedStyle(element),
): CssRect {
  const r = element.getBoundingClientRect();
  // Computed lengths are "12px" in browsers; anything unparsable counts as 0.
  const len = (value: string) => parseFloat(value) || 0;
  const left = len(style.borderLeftWidth) + len(style.paddingLeft);
  const top = len(style.borderTopWidth) + len(style.paddingTop);
  return {
    x: r.left + left,
    y: r.top + top,
    width: r.width - left - len(style.borderRightWidth) - len(style.paddingRight),
    height: r.height - top - len(style.borderBottomWidth) - len(style.paddingBottom),
  };
}

/** The video's picture in viewport CSS pixels (its content box when the video has no size yet). */
export function pictureRectOf(video: HTMLVideoElement): CssRect {
  const fit = parseObjectFit(getComputedStyle(video).objectFit || 'contain');
  return fittedRect(contentBoxOf(video), video.videoWidth, video.videoHeight, fit);
}
