/**
 * "Analyse what's on screen": the fallback offered in the notice over a video the page cannot read
 * (cross-origin without CORS), or over a canvas tainted by such pictures. On the user's click it hides the
 * overlay (so its boxes and this notice are not in the picture), waits for a frame to be painted without
 * it, has the background capture the visible tab cropped to the video's picture (captureTabRegion), shows
 * the overlay again, has the engine analyse the crop (analyzeSnapshot) and draws the faces over the video,
 * labelled as a snapshot with its time. The boxes do not follow later frames; another click takes a new
 * snapshot. Errors (the browser's 2-per-second limit, a tab not on screen, a video scrolled away) are shown
 * in the notice, with the button to try again.
 */
import { isContextInvalidated } from '../messaging/envelope.ts';
import type { CapturedRegion, CaptureRequest } from '../protocol/capture.ts';
import type { ImageAnalysis } from '../protocol/overlay.ts';
import type { CssRect } from '../protocol/geometry.ts';
import { cropBoxToSource, visiblePart } from '../transport/capture-crop.ts';
import type { ContentContext } from './content-context.ts';
import type { MediaOverlay, OverlayFace } from './media-overlay.ts';
import type { OverlayLayer } from './overlay-layer.ts';
import { intrinsicSizeOf, pictureRectOf, type PictureElement } from './picture-rect.ts';

export const SNAPSHOT_ACTION = "Analyse what's on screen";

/** Longest wait for a frame painted without the overlay (no frames come while the tab is hidden), ms. */
const PAINT_TIMEOUT_MS = 250;

export interface ScreenSnapshotDeps {
  ctx: ContentContext;
  layer: OverlayLayer;
  capture: (req: CaptureRequest) => Promise<CapturedRegion>;
  analyze: (req: { bytes: ArrayBuffer; type: string }) => Promise<ImageAnalysis>;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** "0:07.3" */
export function formatVideoTime(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s < 10 ? '0' : ''}${s.toFixed(1)}`;
}

/** `videoTimeS` null: a canvas, which has no timeline of its own. */
function snapshotText(capturedAtEpochMs: number, videoTimeS: number | null, faces: number): string {
  const at = new Date(capturedAtEpochMs).toLocaleTimeString();
  const found = faces === 0 ? 'no face found' : faces === 1 ? '1 face' : `${faces} faces`;
  const when = videoTimeS === null ? '' : ` (video at ${formatVideoTime(videoTimeS)})`;
  return `Snapshot of the screen at ${at}${when}: ${found}. It does not follow the video.`;
}

/** Two animation frames (the hidden overlay is painted away), or the timeout when frames do not come. */
function paintedFrame(ctx: ContentContext): Promise<void> {
  return new Promise((resolve) => {
    ctx.setTimeout(resolve, PAINT_TIMEOUT_MS);
    ctx.requestAnimationFrame(() => ctx.requestAnimationFrame(() => resolve()));
  });
}

/**
 * Captures the media's picture as the screen shows it, with the overlay hidden meanwhile (its boxes and
 * notices are not in the picture): the capture and where the picture was. null when none of it is on
 * screen. Also the right-click route for images the page cannot read (src/content/image-analysis.ts).
 */
export async function captureWithoutOverlay(
  media: PictureElement,
  deps: Pick<ScreenSnapshotDeps, 'ctx' | 'layer' | 'capture'>,
): Promise<{ shot: CapturedRegion; picture: CssRect } | null> {
  const viewport = { width: window.innerWidth, height: window.innerHeight };
  deps.layer.setHidden(true);
  try {
    await paintedFrame(deps.ctx);
    // Measured at the last moment: the page may have scrolled since the click.
    const picture = pictureRectOf(media);
    const region = visiblePart(picture, viewport);
    if (!region) return null;
    return { shot: await deps.capture({ region, viewport }), picture };
  } finally {
    deps.layer.setHidden(false);
  }
}

/**
 * Shows `reason` over the video (or the canvas the page draws it into) with the snapshot button; each click
 * takes and shows a new snapshot.
 */
export function offerScreenSnapshot(
  video: HTMLVideoElement | HTMLCanvasElement,
  overlay: MediaOverlay,
  reason: string,
  deps: ScreenSnapshotDeps,
): void {
  let busy = false;
  let shown: string | null = null;
  const offer = (text: string) => overlay.setNotice(text, { label: SNAPSHOT_ACTION, run: () => void take() });

  const take = async () => {
    if (busy) return;
    busy = true;
    try {
      overlay.setNotice('Taking a snapshot of the screen…');
      const videoTimeS = video instanceof HTMLVideoElement ? video.currentTime : null;
      const captured = await captureWithoutOverlay(video, deps);
      if (!captured) {
        offer(`${reason} Scroll the video into view to analyse what's on screen.`);
        return;
      }
      const { shot, picture } = captured;
      overlay.setNotice('Analysing the snapshot…');
      const analysis = await deps.analyze({ bytes: shot.bytes, type: shot.type });
      // Without metadata the picture is the content box: its CSS pixels stand in for the video's.
      const own = intrinsicSizeOf(video);
      const source = own.width > 0 && own.height > 0 ? own : { width: picture.width, height: picture.height };
      const crop = { width: analysis.width, height: analysis.height };
      const faces: OverlayFace[] = analysis.faces.map((f, i) => ({
        id: i + 1,
        box: cropBoxToSource(f.box, crop, shot.css, picture, source),
        top: f.top,
        emotions: f.emotions,
      }));
      overlay.setFaces(faces, source.width, source.height);
      shown = snapshotText(shot.capturedAtEpochMs, videoTimeS, faces.length);
      offer(shown);
    } catch (error) {
      if (isContextInvalidated(error)) return;
      // The boxes of an earlier snapshot stay, still labelled as such.
      offer(shown ? `${errorText(error)} (Shown: ${shown})` : `${reason} ${errorText(error)}`);
    } finally {
      busy = false;
    }
  };

  offer(reason);
}
