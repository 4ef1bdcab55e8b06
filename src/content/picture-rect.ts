/**
 * Where a <video>'s picture is on screen now, in viewport CSS pixels: the element's content box (inside
 * border and padding) and, within it, the rectangle object-fit gives the picture (letterboxed by default).
 * getBoundingClientRect is relative to the viewport, so scrolling is already in it. CSS transforms other than
 * translation and scale, and pinch-zoom, are not accounted for.
 */
import type { CssRect } from '../protocol/geometry.ts';
import { fittedRect, parseObjectFit } from './object-fit.ts';
import { intersectRects } from './overlay-layout.ts';

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

/**
 * The picture of a video (object-fit's default: contain) or an image (default: fill) in viewport CSS pixels;
 * its content box when the media has no size yet.
 */
export function pictureRectOf(media: HTMLVideoElement | HTMLImageElement): CssRect {
  const isVideo = media instanceof HTMLVideoElement;
  const fit = parseObjectFit(getComputedStyle(media).objectFit || (isVideo ? 'contain' : 'fill'));
  const width = isVideo ? media.videoWidth : media.naturalWidth;
  const height = isVideo ? media.videoHeight : media.naturalHeight;
  return fittedRect(contentBoxOf(media), width, height, fit);
}

/**
 * The part of the viewport that the element's scroll containers let through (each ancestor whose overflow
 * clips: its padding box), viewport CSS pixels; null when they hide it entirely. The viewport itself is not
 * included. A fixed-position ancestor chain is followed as it is; clip-path and masks are not considered.
 */
export function ancestorClipOf(element: Element): CssRect | null {
  // Unclipped: far larger than any page (finite, so that x + width stays a number).
  let clip: CssRect = { x: -1e7, y: -1e7, width: 2e7, height: 2e7 };
  for (
    let a = element.parentElement;
    a && a !== document.documentElement && a !== document.body;
    a = a.parentElement
  ) {
    const style = getComputedStyle(a);
    if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
    const r = a.getBoundingClientRect();
    const box = {
      x: r.left + a.clientLeft,
      y: r.top + a.clientTop,
      width: a.clientWidth,
      height: a.clientHeight,
    };
    const inside = intersectRects(clip, box);
    if (!inside) return null;
    clip = inside;
  }
  return clip;
}
