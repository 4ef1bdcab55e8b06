/**
 * The content script: answers the background (overlay on/off, right-click results, what is shown), keeps a
 * VideoSource per <video> and a CanvasSource per <canvas> (a call client or player drawing its video into
 * one) while the overlay is on, and applies settings live. Injected by the background
 * when the user asks (entrypoints/page-overlay.ts); stops cleanly when its context is invalidated.
 */
import { connectFramesPort } from '../messaging/frames-port.ts';
import { isContextInvalidated } from '../messaging/envelope.ts';
import { registerHandlers, sendMessage } from '../messaging/messenger.ts';
import type { ImageResult } from '../protocol/overlay.ts';
import type { HandlersFor } from '../protocol/protocol-map.ts';
import type { VideoTimeline } from '../timeline/emotion-history.ts';
import { DEFAULT_SETTINGS, type Settings } from '../settings/schema.ts';
import { loadSettings, watchSettings } from '../settings/storage.ts';
import { createPortTransport, type FrameTransport } from '../transport/frame-transport.ts';
import { childController, LIVENESS_CHECK_MS, type ContentContext } from './content-context.ts';
import { fetchImage } from '../transport/fetch-image.ts';
import { analyzeImageInPage } from './image-analysis.ts';
import { showImageResult } from './image-results.ts';
import { mediaNameOf } from './media-name.ts';
import { mediaSrcOf } from './media-src.ts';
import { isVideoOrCanvas, watchElements } from './media-watcher.ts';
import type { MediaOverlay } from './media-overlay.ts';
import { OverlayLayer } from './overlay-layer.ts';
import { showReloadNotice } from './reload-notice.ts';
import { offerScreenSnapshot } from './screen-snapshot.ts';
import { CanvasSource } from './canvas-source.ts';
import { VideoSource, type FrameSource } from './video-source.ts';

const INSTANCE = Symbol.for('affect-lens/content-script');
type InstanceHolder = { [INSTANCE]?: ContentContext };

const epochMs = () => performance.timeOrigin + performance.now();

/**
 * The most videos of one page analysed at once: the largest on screen (a 4x4 call grid fits). The engine
 * shares its time among them, so beyond this each would be analysed too rarely to follow a face; the others
 * wait their turn (scroll, a tile growing).
 */
export const MAX_ACTIVE_VIDEOS = 16;

/** Whether `source` is among the `max` largest on screen (equal sizes: the earlier one first). */
export function isAmongLargest(
  source: { visibleArea: number },
  all: Iterable<{ visibleArea: number }>,
  max: number,
): boolean {
  const mine = source.visibleArea;
  if (mine === 0) return false;
  let ahead = 0;
  let before = true;
  for (const other of all) {
    if (other === source) {
      before = false;
      continue;
    }
    const area = other.visibleArea;
    if (area > mine || (area === mine && before)) ahead++;
  }
  return ahead < max;
}

/** Quietly ends on "Extension context invalidated" (a reload or removal of the extension is a normal end). */
function reportUnlessShutdown(what: string) {
  return (error: unknown) => {
    if (!isContextInvalidated(error)) console.warn(`Affect Lens: ${what} failed`, error);
  };
}

/** The content script's answers to the background. */
export function contentHandlers(deps: {
  setEnabled(on: boolean): void;
  isEnabled(): boolean;
  layer: OverlayLayer;
  /** The timeline of the video analysed most recently (none while the overlay is off). */
  timeline?: (src?: string) => VideoTimeline | null;
  /** The context menu's analysis of an image of this frame (src/content/image-analysis.ts). */
  analyzeImage?: (srcUrl: string) => Promise<ImageResult>;
}): HandlersFor<'content'> {
  return {
    overlaySetEnabled: ({ enabled }) => deps.setEnabled(enabled),
    overlayShowImageResult: (result) => ({ matched: showImageResult(deps.layer, document, result) }),
    overlayAnalyzeImage: ({ srcUrl }) =>
      deps.analyzeImage
        ? deps.analyzeImage(srcUrl)
        : { srcUrl, state: 'failed', error: 'Images cannot be analysed here.' },
    overlayDescribe: () => deps.layer.snapshot(deps.isEnabled()),
    timelineDescribe: (req) => deps.timeline?.(req?.src) ?? null,
  };
}

export function startContent(ctx: ContentContext): void {
  // Injected again by the background into a tab that already has a live instance: keep the live one.
  const holder = globalThis as InstanceHolder;
  if (holder[INSTANCE]?.isValid) return;
  holder[INSTANCE] = ctx;

  const layer = new OverlayLayer(ctx);
  let settings: Settings = { ...DEFAULT_SETTINGS };
  let enabled = false;
  let live: {
    controller: AbortController;
    transport: FrameTransport;
    sources: Map<HTMLVideoElement | HTMLCanvasElement, FrameSource>;
  } | null = null;
  let nextSourceId = 1;
  // Snapshots are of the tab's viewport, which is this document's only in the top frame.
  const offerSnapshot =
    window.top === window
      ? (element: HTMLVideoElement | HTMLCanvasElement, overlay: MediaOverlay, reason: string) =>
          offerScreenSnapshot(element, overlay, reason, {
            ctx,
            layer,
            capture: (req) => sendMessage('captureTabRegion', req),
            analyze: (req) => sendMessage('analyzeSnapshot', req),
          })
      : undefined;

  const startVideos = () => {
    if (live) return;
    const controller = childController(ctx);
    const transport = createPortTransport({
      ensureEngine: () => sendMessage('ensureEngine'),
      connect: connectFramesPort,
      epochMs,
      sleep: (ms) => new Promise((resolve) => ctx.setTimeout(resolve, ms)),
    });
    const sources = new Map<HTMLVideoElement | HTMLCanvasElement, FrameSource>();
    live = { controller, transport, sources };
    const deps = {
      ctx,
      transport,
      layer,
      settings: () => settings,
      offerSnapshot,
      isActive: (source: FrameSource) => isAmongLargest(source, sources.values(), MAX_ACTIVE_VIDEOS),
    };
    watchElements(
      document,
      'video, canvas',
      isVideoOrCanvas,
      {
        added: (element) => {
          const id = `v${nextSourceId++}`;
          sources.set(
            element,
            element instanceof HTMLVideoElement
              ? new VideoSource(element, id, deps)
              : new CanvasSource(element, id, deps),
          );
        },
        removed: (element) => {
          sources.get(element)?.stop();
          sources.delete(element);
        },
      },
      controller.signal,
    );
    controller.signal.addEventListener('abort', () => transport.close(), { once: true });
  };

  const stopVideos = () => {
    live?.controller.abort();
    live = null;
  };

  const setEnabled = (on: boolean) => {
    enabled = on;
    if (on) startVideos();
    else stopVideos();
  };

  const timeline = (src?: string): VideoTimeline | null => {
    const recorded = [...(live?.sources.values() ?? [])].filter((s) => s.history.lastWallTimeMs > -Infinity);
    const named = recorded.map((source, i) => ({
      source,
      src: mediaSrcOf(source.element),
      name: mediaNameOf(source.element, i, recorded.length),
    }));
    const latest = named.reduce<(typeof named)[number] | null>(
      (best, n) =>
        n.source.history.lastWallTimeMs > (best?.source.history.lastWallTimeMs ?? -Infinity) ? n : best,
      null,
    );
    const chosen = named.find((n) => src !== undefined && n.src === src) ?? latest;
    return (
      chosen?.source.timeline(
        chosen.name,
        named.map(({ src, name }) => ({ src, name })),
      ) ?? null
    );
  };

  // Handlers first, synchronously: the background may message this script as soon as it is injected.
  const analyzeImage = (srcUrl: string) =>
    analyzeImageInPage(srcUrl, {
      ctx,
      layer,
      doc: document,
      isTopFrame: window.top === window,
      capture: (req) => sendMessage('captureTabRegion', req),
      analyze: (req) => sendMessage('analyzeSnapshot', req),
      download: (url) => fetchImage(url),
    });
  registerHandlers(
    'content',
    contentHandlers({ setEnabled, layer, isEnabled: () => enabled, timeline, analyzeImage }),
    ctx.signal,
  );
  watchSettings((next) => {
    settings = next;
    layer.setShowAll(next.showAllProbabilities);
    for (const source of live?.sources.values() ?? []) source.applySettings(next);
  }, ctx.signal);
  ctx.onInvalidated(() => {
    const wasOn = enabled;
    stopVideos();
    layer.destroy();
    if (holder[INSTANCE] === ctx) delete holder[INSTANCE];
    // Only the top frame speaks, once, and only if the user had the overlay on.
    if (wasOn && window.top === window) showReloadNotice(document);
  });
  // Every timer tick checks that the extension still exists (runtime.id): a reload is noticed within a
  // second even while nothing else runs (a paused video, a still page).
  ctx.setInterval(() => undefined, LIVENESS_CHECK_MS);

  void loadSettings()
    .then((loaded) => {
      settings = loaded;
      layer.setShowAll(loaded.showAllProbabilities);
      for (const source of live?.sources.values() ?? []) source.applySettings(loaded);
    })
    .catch(reportUnlessShutdown('loading settings'));
  void sendMessage('getOverlayForSender')
    .then(({ enabled: on }) => {
      if (on !== enabled) setEnabled(on);
    })
    .catch(reportUnlessShutdown('asking for the overlay state'));
}
