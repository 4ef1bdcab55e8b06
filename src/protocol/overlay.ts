/**
 * What the page shows: a right-clicked image's result, a tab's state, and the overlay as the content script
 * draws it (for the popup and for tests).
 */
import type { Face } from '../ml/engine-api.ts';
import type { EmotionScores } from '../ml/emotions.ts';
import type { FrameTiming } from './frames.ts';
import type { CssRect } from './geometry.ts';

/** Result of analysing one still image. Coordinates are pixels of the decoded image. */
export interface ImageAnalysis {
  width: number;
  height: number;
  faces: Face[];
  latencyMs: number;
}

/**
 * How a right-clicked image's pixels were read: `page`, the pixels the page displays (same origin, or CORS);
 * `screen`, a capture of the visible tab cut to the image (the page does not let extensions read it); or
 * `download`, fetched again without cookies (the image is not on screen). See src/content/image-analysis.ts.
 */
export type ImageRoute = 'page' | 'screen' | 'download';

export const IMAGE_ROUTE_TEXT: Record<ImageRoute, string> = {
  page: 'read from the page',
  screen: 'read from a capture of the screen (the site does not let extensions read this image)',
  download: 'downloaded again, without your cookies (the image was not on screen)',
};

/** What the content script and the popup get for a right-clicked image, as the analysis proceeds. */
export type ImageResult =
  | { srcUrl: string; state: 'pending' }
  | { srcUrl: string; state: 'done'; analysis: ImageAnalysis; route: ImageRoute }
  | { srcUrl: string; state: 'failed'; error: string };

/** The site of a tab, for the popup's "Always on for this site" (src/site-access). */
export interface SiteAccess {
  /** Match pattern: "https://example.com/*". */
  pattern: string;
  /** For people: "example.com". */
  name: string;
  /** The user chose it and the browser grants it: the overlay comes on by itself there. */
  alwaysOn: boolean;
}

export interface TabState {
  tabId: number;
  overlay: boolean;
  lastImage: ImageResult | null;
}

/** What the content script currently draws, for the popup and for tests. */
export interface OverlaySnapshot {
  enabled: boolean;
  overlays: {
    kind: 'image' | 'video';
    /** The media's URL, or `mediastream:<id>` for a video showing a MediaStream (a call tile). */
    src: string;
    /** Element box in viewport CSS pixels. */
    rect: CssRect;
    faces: {
      label: string;
      probability: number;
      /** The temporal mode's span shown beside the label ("2 s"); null for a per-frame result. */
      smoothedOver: string | null;
      /** The seven probabilities shown (the bars): the temporal model's when smoothedOver is set. */
      emotions: EmotionScores | null;
      rect: CssRect;
      /** Where the label and the bars are drawn (the bars null when hidden). */
      labelRect?: CssRect;
      barsRect?: CssRect | null;
    }[];
    /**
     * The part of the media's picture on screen (after object-fit, clipped to the element and the viewport);
     * every box, label and bar is inside it. null when none of it is on screen.
     */
    picture?: CssRect | null;
    /** Shown instead of faces when the media cannot be analysed (cross-origin without CORS, DRM, errors). */
    notice: string | null;
    /** Results drawn over the element so far (one per analysed frame for a video). */
    framesShown?: number;
    /** The notice's button, if any, and where it is (viewport CSS pixels): tests click it like a user. */
    noticeAction?: { label: string; rect: CssRect } | null;
    /** Videos: timings of the most recent analysed frames (at most FRAME_TIMINGS_KEPT), oldest first. */
    frames?: FrameTiming[];
  }[];
}
