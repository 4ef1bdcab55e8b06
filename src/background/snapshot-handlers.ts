/**
 * The background's side of "Analyse what's on screen", the fallback for videos the page cannot read
 * (cross-origin without CORS): after the user's click in the notice over such a video, the content script
 * asks for a screen snapshot of the video's rectangle (captureTabRegion) and then for its analysis
 * (analyzeSnapshot, the engine's still-image path). Two messages, so the content script can show its
 * overlay again as soon as the capture is taken, while the engine works.
 *
 * tabs.captureVisibleTab is allowed by the `<all_urls>` host permission (a click in the page does not grant
 * activeTab) and captures the window's active tab, so the sender must be that tab. Chrome allows 2 captures
 * per second per extension: a RateGate answers first with a clear message, and Chrome's own quota error
 * reads the same. Only the top frame may ask: a frame's CSS pixels are not the tab's.
 */
import type { CaptureImage } from '../transport/capture-image.ts';
import { captureCrop } from '../transport/capture-crop.ts';
import { RateGate } from '../transport/rate-gate.ts';
import type { EngineClient } from './engine-client.ts';
import type { HandlersFor } from '../protocol/protocol-map.ts';

export interface ScreenCapture {
  /** tabs.captureVisibleTab(windowId, { format: 'png' }): a data: URL. */
  captureVisibleTab: (windowId: number) => Promise<string>;
  openCapture: (dataUrl: string) => Promise<CaptureImage>;
}

export interface SnapshotDeps {
  engine: EngineClient;
  /** Absent where the browser cannot capture tabs: the handlers then say so. */
  capture?: ScreenCapture;
  nowMs?: () => number;
  epochMs?: () => number;
}

/** Chrome's limit on tabs.captureVisibleTab (MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND). */
export const CAPTURES_PER_SECOND = 2;

/** The capture was refused because of the browser's rate limit; the message says when to try again. */
export class CaptureRateLimitError extends Error {
  override readonly name = 'CaptureRateLimitError';
  constructor(retryInMs: number) {
    super(
      `The browser allows ${CAPTURES_PER_SECOND} screen snapshots per second: try again in ${(Math.ceil(retryInMs / 100) / 10).toFixed(1)} s.`,
    );
  }
}

export function snapshotHandlers(
  deps: SnapshotDeps,
): Pick<HandlersFor<'background'>, 'captureTabRegion' | 'analyzeSnapshot'> {
  const gate = new RateGate(CAPTURES_PER_SECOND, 1000);
  const now = deps.nowMs ?? (() => performance.now());
  const epoch = deps.epochMs ?? (() => Date.now());
  return {
    async captureTabRegion({ region, viewport }, sender) {
      const capture = deps.capture;
      if (!capture) throw new Error('This browser does not let Affect Lens take screen snapshots.');
      const tab = sender.tab;
      if (tab?.id === undefined || tab.windowId === undefined)
        throw new Error('Only a page in a tab can ask for a snapshot of itself.');
      if (sender.frameId !== undefined && sender.frameId !== 0)
        throw new Error('Screen snapshots work for videos in the page itself, not inside frames (yet).');
      if (!tab.active)
        throw new Error('This tab is not the one on screen: bring it to the front and try again.');
      const answer = gate.take(now());
      if (!answer.ok) throw new CaptureRateLimitError(answer.retryInMs);
      let dataUrl: string;
      try {
        dataUrl = await capture.captureVisibleTab(tab.windowId);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (message.includes('MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND'))
          throw new CaptureRateLimitError(1000);
        throw new Error(`The browser did not take the snapshot: ${message}`);
      }
      const capturedAtEpochMs = epoch();
      const image = await capture.openCapture(dataUrl);
      try {
        const crop = captureCrop(region, viewport, image);
        const bytes = await image.crop(crop.capturePx);
        return {
          bytes,
          type: 'image/png',
          width: crop.capturePx.width,
          height: crop.capturePx.height,
          css: crop.css,
          capturedAtEpochMs,
        };
      } finally {
        image.close();
      }
    },
    analyzeSnapshot: ({ bytes, type }) => deps.engine.analyzeImage({ bytes, type }),
  };
}
