/**
 * Rectangles named by their coordinate space, one type per space. Source pixels (`PxBox`) and normalised 0..1
 * boxes (`NormBox`) are the pure pipeline's (src/ml/types.ts); the page's own space is here.
 */

/** Viewport CSS pixels: what getBoundingClientRect gives, scrolling and zoom already in it. */
export interface CssRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A size in viewport CSS pixels. */
export interface CssSize {
  width: number;
  height: number;
}
