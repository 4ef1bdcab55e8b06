/**
 * "Analyse emotions" on a right-clicked image, in the frame that shows it. The extension has no host
 * permission, so it reads the image as the page shows it, in this order:
 * 1. `page`: the pixels the page displays, drawn into a canvas (same origin, or CORS). The page's own decoded
 *    picture, so a truncated JPEG, an SVG, or an image whose URL has gone since the page loaded all work.
 * 2. `screen`: the page does not let extensions read the image (cross-origin without CORS): a capture of the
 *    visible tab cut to the image (the click on the menu granted activeTab), the overlay hidden meanwhile.
 * 3. `download`: the image is not on screen: fetched again without cookies (src/transport/fetch-image.ts),
 *    which works only where the site allows it (CORS).
 * The engine's analysis is retried once when the connection to it was lost (the offscreen document or the
 * service worker went away), and the whole analysis is bounded by IMAGE_ANALYSIS_TIMEOUT_MS: every
 * analysis ends with a result or a message a person understands, with a button to try again.
 */
import { isContextInvalidated, isNoReceiverMessage, NoReceiverError } from '../messaging/envelope.ts';
import type { CapturedRegion, CaptureRequest } from '../protocol/capture.ts';
import type { ImageAnalysis, ImageResult, ImageRoute } from '../protocol/overlay.ts';
import { cropBoxToSource } from '../transport/capture-crop.ts';
import type { FetchedImage } from '../transport/fetch-image.ts';
import type { ContentContext } from './content-context.ts';
import { imagesShowing, showImageResult } from './image-results.ts';
import type { OverlayLayer } from './overlay-layer.ts';
import { captureWithoutOverlay } from './screen-snapshot.ts';

/** Longest side of the pixels sent to the engine (its decoder scales larger images down to this anyway). */
export const MAX_READ_SIDE = 2048;
/** An image analysis that has not ended by then is reported as failed, ms. */
export const IMAGE_ANALYSIS_TIMEOUT_MS = 30_000;

export const RETRY_ACTION = 'Try again';
const NOT_LOADED = 'The page shows no picture for this image (it did not load).';

export interface ImageAnalysisDeps {
  ctx: ContentContext;
  layer: OverlayLayer;
  doc: Document;
  /** Only the top frame's viewport is the tab's: frames below it have no screen route. */
  isTopFrame: boolean;
  capture: (req: CaptureRequest) => Promise<CapturedRegion>;
  analyze: (req: { bytes: ArrayBuffer; type: string }) => Promise<ImageAnalysis>;
  download: (url: string) => Promise<FetchedImage>;
  /** Default readDisplayedPixels (tests pass a fake: happy-dom has no canvas). */
  readPixels?: (img: HTMLImageElement) => Promise<{ bytes: ArrayBuffer; type: string } | null>;
  timeoutMs?: number;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The connection to the engine went away mid-request (Chrome's and our own wordings). */
export function isLostConnection(error: unknown): boolean {
  if (error instanceof NoReceiverError) return true;
  const message = errorText(error);
  return isNoReceiverMessage(message) || message.includes('message channel closed');
}

/** `analyze`, once more if the connection to the engine was lost (the engine is started again then). */
async function analyzeWithRetry(deps: ImageAnalysisDeps, image: { bytes: ArrayBuffer; type: string }) {
  try {
    return await deps.analyze(image);
  } catch (error) {
    if (!isLostConnection(error) || isContextInvalidated(error)) throw error;
    try {
      return await deps.analyze(image);
    } catch (again) {
      if (isLostConnection(again))
        throw new Error('The analysis was interrupted twice (the extension restarted its engine).');
      throw again;
    }
  }
}

/** The pixels the page shows for `img`, as PNG bytes at most MAX_READ_SIDE; null when the page forbids it. */
export async function readDisplayedPixels(
  img: HTMLImageElement,
): Promise<{ bytes: ArrayBuffer; type: string } | null> {
  if (!img.complete) throw new Error('The image is still loading in the page; try again when it shows.');
  const rendered = img.getBoundingClientRect();
  // An SVG without an intrinsic size reports 0: draw it at the size the page shows it.
  const naturalWidth = img.naturalWidth || Math.round(rendered.width);
  const naturalHeight = img.naturalHeight || Math.round(rendered.height);
  if (naturalWidth === 0 || naturalHeight === 0) throw new Error(NOT_LOADED);
  const scale = Math.min(1, MAX_READ_SIDE / Math.max(naturalWidth, naturalHeight));
  const width = Math.max(1, Math.round(naturalWidth * scale));
  const height = Math.max(1, Math.round(naturalHeight * scale));
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('The browser gave no canvas to read the image with.');
  try {
    context.drawImage(img, 0, 0, width, height);
  } catch (error) {
    // A broken image (it failed to load; CSS may still give it a size): InvalidStateError.
    if (error instanceof DOMException && error.name === 'InvalidStateError') throw new Error(NOT_LOADED);
    throw new Error(`The page could not draw this image (${errorText(error)}).`);
  }
  try {
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    return { bytes: await blob.arrayBuffer(), type: 'image/png' };
  } catch (error) {
    // A cross-origin image without CORS taints the canvas: the page does not let us read it.
    if (error instanceof DOMException && error.name === 'SecurityError') return null;
    throw error;
  }
}

/** The image's picture as the screen shows it, analysed, with boxes in the pixels of its natural size. */
async function analyzeFromScreen(
  img: HTMLImageElement,
  deps: ImageAnalysisDeps,
): Promise<ImageAnalysis | null> {
  const captured = await captureWithoutOverlay(img, deps);
  if (!captured) return null;
  const { shot, picture } = captured;
  const analysis = await analyzeWithRetry(deps, { bytes: shot.bytes, type: shot.type });
  const source = {
    width: img.naturalWidth || picture.width,
    height: img.naturalHeight || picture.height,
  };
  const crop = { width: analysis.width, height: analysis.height };
  return {
    ...analysis,
    width: source.width,
    height: source.height,
    faces: analysis.faces.map((face) => ({
      ...face,
      box: cropBoxToSource(face.box, crop, shot.css, picture, source),
    })),
  };
}

async function analyzeShown(srcUrl: string, deps: ImageAnalysisDeps): Promise<ImageResult> {
  const done = (analysis: ImageAnalysis, route: ImageRoute): ImageResult => ({
    srcUrl,
    state: 'done',
    analysis,
    route,
  });
  const img = imagesShowing(deps.doc, srcUrl)[0];
  let screenError: string | null = null;
  if (img) {
    const pixels = await (deps.readPixels ?? readDisplayedPixels)(img);
    if (pixels) return done(await analyzeWithRetry(deps, pixels), 'page');
    if (deps.isTopFrame) {
      try {
        const fromScreen = await analyzeFromScreen(img, deps);
        if (fromScreen) return done(fromScreen, 'screen');
      } catch (error) {
        // The capture was refused (the browser's rate limit, no grant): the download may still work.
        if (isContextInvalidated(error)) throw error;
        screenError = errorText(error);
      }
    }
  }
  try {
    return done(await analyzeWithRetry(deps, await deps.download(srcUrl)), 'download');
  } catch (error) {
    if (!img) throw error;
    if (screenError !== null) throw new Error(screenError);
    throw new Error(
      `${errorText(error)} Scroll the image into view and try again: the extension can then read it from the screen.`,
    );
  }
}

/**
 * Analyses the image at `srcUrl` shown in this document, drawing "Analysing…", then the faces or the error
 * (with a button that runs it again) over every <img> that shows it. Resolves with the result; never rejects
 * and never outlives `timeoutMs`.
 */
export async function analyzeImageInPage(srcUrl: string, deps: ImageAnalysisDeps): Promise<ImageResult> {
  const timeoutMs = deps.timeoutMs ?? IMAGE_ANALYSIS_TIMEOUT_MS;
  showImageResult(deps.layer, deps.doc, { srcUrl, state: 'pending' });
  let timer = 0;
  const timeout = new Promise<ImageResult>((resolve) => {
    timer = deps.ctx.setTimeout(
      () =>
        resolve({
          srcUrl,
          state: 'failed',
          error: `The analysis did not finish within ${Math.round(timeoutMs / 1000)} s.`,
        }),
      timeoutMs,
    );
  });
  const result = await Promise.race([
    analyzeShown(srcUrl, deps).catch((error: unknown): ImageResult => ({
      srcUrl,
      state: 'failed',
      error: errorText(error),
    })),
    timeout,
  ]);
  clearTimeout(timer);
  showImageResult(deps.layer, deps.doc, result, {
    label: RETRY_ACTION,
    run: () => void analyzeImageInPage(srcUrl, deps),
  });
  return result;
}
