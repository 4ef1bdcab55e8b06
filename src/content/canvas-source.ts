/**
 * A <canvas> the page draws moving pictures into (a call client's grid, a WebGL or 2D player) as a frame
 * source. It is offered once it is large enough to hold a face (`isCanvasCandidate`) and once it has been
 * redrawn (`MOVING_AFTER_FRAMES`: a chart drawn once is not analysed); from then on a VideoSource analyses
 * its capture (canvas-capture.ts) while the overlay follows the canvas itself, so boxes, labels, smoothing,
 * the timeline, the rate cap, the fair share and visibility are those of a <video>. A canvas tainted by
 * cross-origin pictures (at the start, or later: its capture then falls silent) gets the note of an
 * unreadable video and, in the top frame, the screen snapshot over its region.
 */
import type { Settings } from '../settings/schema.ts';
import { EmotionHistory, type VideoTimeline } from '../timeline/emotion-history.ts';
import { UNREADABLE_CANVAS_MESSAGE } from '../transport/frame-grabber.ts';
import { CanvasCapture, isOriginClean } from './canvas-capture.ts';
import { childController } from './content-context.ts';
import { mediaSrcOf } from './media-src.ts';
import type { MediaOverlay } from './media-overlay.ts';
import { VideoSource, type FrameSource, type VideoSourceDeps } from './video-source.ts';

/** Least CSS size of a canvas worth analysing, each side (a face under ~20 px is not found anyway). */
export const MIN_CANVAS_CSS_PX = 64;
/** Least backing-store size, each side, px. */
export const MIN_CANVAS_PX = 64;
/** Pictures a canvas must present before it counts as moving: its first drawing, then one redraw. */
export const MOVING_AFTER_FRAMES = 2;
/** A capture silent this long is checked for taint (a still canvas is silent too, and stays clean). */
export const SILENCE_CHECK_MS = 2000;
/** How often a canvas's state (size, first frames, silence) is looked at, ms. */
const CHECK_EVERY_MS = 500;

export type Size = { width: number; height: number };

/** Whether a canvas shown at `css` with a `backing` store could show a face worth analysing. */
export function isCanvasCandidate(css: Size, backing: Size): boolean {
  return (
    Math.min(css.width, css.height) >= MIN_CANVAS_CSS_PX &&
    Math.min(backing.width, backing.height) >= MIN_CANVAS_PX
  );
}

export interface CanvasSourceDeps extends VideoSourceDeps {
  /** The capture of a canvas (tests give a fake); throws a 'SecurityError' DOMException when tainted. */
  capture?: (
    canvas: HTMLCanvasElement,
  ) => Pick<CanvasCapture, 'video' | 'framesPresented' | 'lastFrameAtMs' | 'stop'>;
  /** Whether the canvas may still be read (default: a 1 px read, canvas-capture.ts). */
  isOriginClean?: (canvas: HTMLCanvasElement) => boolean;
  /** The canvas's CSS size (default: observed with a ResizeObserver). */
  cssSizeOf?: (canvas: HTMLCanvasElement) => Size;
}

export class CanvasSource implements FrameSource {
  private capture: ReturnType<NonNullable<CanvasSourceDeps['capture']>> | null = null;
  private source: VideoSource | null = null;
  private unreadableOverlay: MediaOverlay | null = null;
  private unreadable = false;
  /** The frame count at the last taint check: the next check waits for new frames, then silence again. */
  private checkedAtFrames = -1;
  private readonly lifetime: AbortController;
  private cssSize: Size = { width: 0, height: 0 };
  private readonly noHistory = new EmotionHistory();

  constructor(
    readonly element: HTMLCanvasElement,
    readonly id: string,
    private readonly deps: CanvasSourceDeps,
  ) {
    this.lifetime = childController(deps.ctx);
    const signal = this.lifetime.signal;
    if (!deps.cssSizeOf && typeof ResizeObserver === 'function') {
      const observer = new ResizeObserver((entries) => {
        const box = entries.at(-1)?.contentRect;
        if (box) this.cssSize = { width: box.width, height: box.height };
        this.check();
      });
      observer.observe(element);
      signal.addEventListener('abort', () => observer.disconnect(), { once: true });
    }
    const timer = deps.ctx.setInterval(() => this.check(), CHECK_EVERY_MS);
    signal.addEventListener('abort', () => clearInterval(timer), { once: true });
    this.check();
  }

  get visibleArea(): number {
    return this.source?.visibleArea ?? 0;
  }

  get history(): EmotionHistory {
    return this.source?.history ?? this.noHistory;
  }

  /** Whether the canvas is offered for analysis now (large enough, redrawn, readable). */
  get offered(): boolean {
    return this.source !== null;
  }

  /** Frames analysed, for tests and diagnostics. */
  get analyzed(): number {
    return this.source?.analyzed ?? 0;
  }

  timeline(name: string, videos: VideoTimeline['videos']): VideoTimeline {
    if (this.source) return this.source.timeline(name, videos);
    const { bucketMs, windowMs } = this.noHistory.options;
    return { src: mediaSrcOf(this.element), name, videos, bucketMs, windowMs, samples: [] };
  }

  applySettings(settings: Settings): void {
    this.source?.applySettings(settings);
  }

  stop(): void {
    this.lifetime.abort();
    this.release();
    this.unreadableOverlay?.remove();
    this.unreadableOverlay = null;
  }

  private check(): void {
    if (this.lifetime.signal.aborted || this.unreadable) return;
    const css = this.deps.cssSizeOf?.(this.element) ?? this.cssSize;
    if (!this.capture) {
      if (isCanvasCandidate(css, this.element)) this.startCapture();
      return;
    }
    const capture = this.capture;
    if (!this.source) {
      if (capture.framesPresented >= MOVING_AFTER_FRAMES) {
        this.source = new VideoSource(capture.video, this.id, this.deps, this.element);
      }
      return;
    }
    const silent = performance.now() - capture.lastFrameAtMs >= SILENCE_CHECK_MS;
    if (silent && capture.framesPresented !== this.checkedAtFrames) {
      this.checkedAtFrames = capture.framesPresented;
      if (!(this.deps.isOriginClean ?? isOriginClean)(this.element)) this.showUnreadable();
    }
  }

  private startCapture(): void {
    try {
      this.capture = (this.deps.capture ?? ((canvas) => new CanvasCapture(canvas)))(this.element);
    } catch (error) {
      if (error instanceof DOMException && error.name === 'SecurityError') this.showUnreadable();
      else console.warn('Affect Lens: cannot capture this canvas', error);
    }
  }

  private showUnreadable(): void {
    this.unreadable = true;
    this.release();
    const overlay = this.deps.layer.attach(this.element, 'video');
    this.unreadableOverlay = overlay;
    overlay.setFaces([], 0, 0);
    if (this.deps.offerSnapshot) this.deps.offerSnapshot(this.element, overlay, UNREADABLE_CANVAS_MESSAGE);
    else overlay.setNotice(UNREADABLE_CANVAS_MESSAGE);
  }

  private release(): void {
    this.source?.stop();
    this.source = null;
    this.capture?.stop();
    this.capture = null;
  }
}
