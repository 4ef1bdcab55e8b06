/** "Analyse what's on screen": a capture of part of the visible tab, asked for by a content script. */
import type { CssRect, CssSize } from './geometry.ts';

/** A screen snapshot of part of the sender's tab: `region` in viewport CSS pixels of a `viewport` that size. */
export interface CaptureRequest {
  region: CssRect;
  viewport: CssSize;
}

/** The captured part of the tab, as a PNG (no second lossy encoding). */
export interface CapturedRegion {
  bytes: ArrayBuffer;
  type: string;
  /** Pixels of the PNG. */
  width: number;
  height: number;
  /** What the PNG covers, viewport CSS pixels (the request, rounded out to whole capture pixels). */
  css: CssRect;
  capturedAtEpochMs: number;
}
