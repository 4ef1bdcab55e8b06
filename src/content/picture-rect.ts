/**
 * Where a <video>'s (or an image's, a canvas's) picture is on screen now, in viewport CSS pixels: the element's content box (inside
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

/** An element that shows a picture the overlay can box: a video, an image, or a canvas drawn by the page. */
export type PictureElement = HTMLVideoElement | HTMLImageElement | HTMLCanvasElement;

/** The picture's own size in its pixels (a canvas: its backing store, not its CSS size); 0x0 before it has one. */
export function intrinsicSizeOf(media: PictureElement): { width: number; height: number } {
  if (media instanceof HTMLVideoElement) return { width: media.videoWidth, height: media.videoHeight };
  if (media instanceof HTMLImageElement) return { width: media.naturalWidth, height: media.naturalHeight };
  return { width: media.width, height: media.height };
}

/**
 * How the picture fits its box: computed object-fit, else the element's own default (a video letterboxes;
 * an image and a canvas stretch: https://html.spec.whatwg.org/multipage/rendering.html#replaced-elements).
 */
export function objectFitOf(media: PictureElement, style: CSSStyleDeclaration = getComputedStyle(media)) {
  return parseObjectFit(style.objectFit || (media instanceof HTMLVideoElement ? 'contain' : 'fill'));
}

/** The picture of a video, image or canvas in viewport CSS pixels; its content box when it has no size yet. */
export function pictureRectOf(media: PictureElement): CssRect {
  const style = getComputedStyle(media);
  const { width, height } = intrinsicSizeOf(media);
  return fittedRect(contentBoxOf(media, style), width, height, objectFitOf(media, style));
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
