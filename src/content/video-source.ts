/**
 * One <video> (or the capture of a <canvas>, canvas-source.ts) as a frame source: on each new video frame
 * (requestVideoFrameCallback) it grabs the picture, sends it unless a frame of this video is still in flight
 * or the rate cap (or the engine's fair share) says wait, and feeds the result through its FaceTracker into
 * its overlay. So the analysed rate is the lower of the engine's speed and `maxFps`, and frames are dropped,
 * never queued. Only a video on screen is analysed. Unreadable videos (cross-origin without CORS, DRM) get an explanation over them instead of
 * boxes.
 * Why one file: the frame loop, its visibility and its result handling share one in-flight state (the
 * handle of the next frame, the frame in flight); split, each part would have to re-derive it.
 */
import type { FrameAnalysis, FrameTiming } from '../protocol/frames.ts';
import { isContextInvalidated } from '../messaging/envelope.ts';
import type { Settings } from '../settings/schema.ts';
import {
  FrameGrabber,
  MAX_FRAME_SIDE,
  UnreadableMediaError,
  type GrabbedFrame,
} from '../transport/frame-grabber.ts';
import type { FrameTransport } from '../transport/frame-transport.ts';
import { EmotionHistory, type VideoTimeline } from '../timeline/emotion-history.ts';
import { childController, type ContentContext } from './content-context.ts';
import { FaceTracker } from './face-tracker.ts';
import { FrameTimings } from './frame-timings.ts';
import { mediaSrcOf } from './media-src.ts';
import type { MediaOverlay } from './media-overlay.ts';
import type { OverlayLayer } from './overlay-layer.ts';

export interface VideoSourceDeps {
  ctx: ContentContext;
  transport: FrameTransport;
  layer: OverlayLayer;
  settings(): Settings;
  /** Offers "Analyse what's on screen" over a cross-origin video or a tainted canvas (screen-snapshot.ts). */
  offerSnapshot?: (
    element: HTMLVideoElement | HTMLCanvasElement,
    overlay: MediaOverlay,
    reason: string,
  ) => void;
  /** Whether this source is among those analysed now (content-app caps the videos on screen); default yes. */
  isActive?: (source: FrameSource) => boolean;
}

/** What content-app keeps per analysed video or canvas: a VideoSource, or a CanvasSource around one. */
export interface FrameSource {
  /** The element on the page that the overlay follows. */
  readonly element: HTMLVideoElement | HTMLCanvasElement;
  /** CSS px² of it on screen now; 0 while it is not a candidate for analysis. */
  readonly visibleArea: number;
  /** The smoothed probabilities of its tracked faces over the last minutes, for the popup's timeline. */
  readonly history: EmotionHistory;
  timeline(name: string, videos: VideoTimeline['videos']): VideoTimeline;
  applySettings(settings: Settings): void;
  stop(): void;
}

const epochMs = () => performance.timeOrigin + performance.now();

/** Below this many CSS px² on screen a video counts as not shown (a 0-sized or 1 px video). */
const MIN_VISIBLE_AREA = 4;

type VideoWithFrameCallback = HTMLVideoElement & {
  requestVideoFrameCallback?: (callback: () => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
};

export class VideoSource implements FrameSource {
  private grabber: FrameGrabber;
  private readonly tracker: FaceTracker;
  private readonly lifetime: AbortController;
  private overlay: MediaOverlay | null = null;
  private inFlight = false;
  private lastSentMs = -Infinity;
  private frameHandle: number | null = null;
  /** Whether frameHandle is a timer (paused video, no requestVideoFrameCallback) or a video frame callback. */
  private frameHandleIsTimer = false;
  private unreadable = false;
  /**
   * On screen (IntersectionObserver): only videos a person can see are analysed. Until the observer's first
   * report a video counts as off screen; without IntersectionObserver, as on screen.
   */
  private onScreen = typeof IntersectionObserver !== 'function';
  /**
   * The part of the video on screen, CSS px², as the observer last reported it (or as the once-a-second
   * recheck of a video too small to analyse measured it): read per frame, never measured per frame.
   */
  private area = this.onScreen ? Infinity : 0;

  /** On screen now, at some size: a candidate for analysis (content-app ranks these by size). */
  get visibleArea(): number {
    return this.onScreen && !document.hidden && this.area >= MIN_VISIBLE_AREA ? this.area : 0;
  }
  private encoding: Settings['frameEncoding'];
  /** The longer side the engine asked for after the last frame (until then, the grabber's maximum). */
  private frameSide = MAX_FRAME_SIDE;
  /** The video time of the last frame sent (a paused video is analysed once per position). */
  private analyzedAtTime = Number.NaN;
  private readonly timings = new FrameTimings();
  /** The engine's least time between this video's frames (FrameAnalysis.nextFrameInMs), ms. */
  private fairShareMs = 0;
  /** Frames analysed / dropped by this source, for tests and diagnostics. */
  analyzed = 0;
  skipped = 0;
  /** The smoothed probabilities of the tracked faces over the last minutes, for the popup's timeline. */
  readonly history = new EmotionHistory();

  /**
   * `video` gives the frames; `element` is what the page shows, which the overlay follows and whose place on
   * screen decides whether to analyse: the video itself, or the canvas it captures (canvas-source.ts).
   */
  constructor(
    readonly video: HTMLVideoElement,
    readonly id: string,
    private readonly deps: VideoSourceDeps,
    readonly element: HTMLVideoElement | HTMLCanvasElement = video,
  ) {
    const settings = deps.settings();
    this.grabber = new FrameGrabber(settings.frameEncoding);
    this.encoding = settings.frameEncoding;
    this.tracker = new FaceTracker({ smoothing: settings.smoothing, switchAfterMs: settings.labelSwitchMs });
    this.lifetime = childController(deps.ctx);
    const signal = this.lifetime.signal;
    // A new source or a seek starts over: old tracks would be wrong, and a new src may be readable.
    const restart = () => {
      this.tracker.reset();
      this.frameSide = MAX_FRAME_SIDE;
      this.history.clear();
      this.unreadable = false;
      this.overlay?.setNotice(null);
      this.overlay?.setFaces([], 0, 0);
      this.next();
    };
    video.addEventListener('emptied', restart, { signal });
    video.addEventListener(
      'seeked',
      () => {
        this.tracker.reset();
        this.next();
      },
      { signal },
    );
    video.addEventListener('play', () => this.next(), { signal });
    // Off screen (scrolled away, display: none, a hidden tab): no frame is grabbed, encoded or sent.
    if (typeof IntersectionObserver === 'function') {
      const observer = new IntersectionObserver(
        (entries) => {
          const entry = entries.at(-1);
          if (!entry) return;
          this.onScreen = entry.isIntersecting;
          this.area = entry.intersectionRect.width * entry.intersectionRect.height;
          if (this.onScreen) this.next();
          else this.cancelFrame();
        },
        // Reported again as it scrolls in or out by quarters, so the ranking by size follows.
        { threshold: [0, 0.25, 0.5, 0.75, 1] },
      );
      observer.observe(element);
      signal.addEventListener('abort', () => observer.disconnect(), { once: true });
    }
    document.addEventListener(
      'visibilitychange',
      () => {
        if (document.hidden) this.cancelFrame();
        else this.next();
      },
      { signal },
    );
    video.addEventListener('loadeddata', () => this.next(), { signal });
    signal.addEventListener('abort', () => this.cancelFrame(), { once: true });
    this.next();
  }

  /** Settings changed: smoothing and encoding apply to the next frame, the rate cap to the next send. */
  applySettings(settings: Settings): void {
    this.tracker.setOptions({ smoothing: settings.smoothing, switchAfterMs: settings.labelSwitchMs });
    if (settings.frameEncoding !== this.encoding) {
      this.encoding = settings.frameEncoding;
      this.grabber.close();
      this.grabber = new FrameGrabber(settings.frameEncoding);
    }
  }

  timeline(name: string, videos: VideoTimeline['videos']): VideoTimeline {
    const { bucketMs, windowMs } = this.history.options;
    return {
      src: mediaSrcOf(this.element),
      name,
      videos,
      bucketMs,
      windowMs,
      samples: this.history.samples(),
    };
  }

  stop(): void {
    if (!this.lifetime.signal.aborted) this.deps.transport.end(this.id);
    this.lifetime.abort();
    this.grabber.close();
    this.overlay?.remove();
    this.overlay = null;
  }

  private overlayOf(): MediaOverlay {
    if (!this.overlay) {
      this.overlay = this.deps.layer.attach(this.element, 'video');
      this.overlay.frameTimings = this.timings;
    }
    return this.overlay;
  }

  /**
   * Waits for the next presented frame (or, without requestVideoFrameCallback, the next rate tick). A paused
   * video presents no new frames: its current picture is analysed once (when the overlay comes on, after a
   * seek), so a paused face gets its box too.
   */
  private next(): void {
    if (this.lifetime.signal.aborted || this.frameHandle !== null || this.inFlight || this.unreadable) return;
    if (!this.onScreen || document.hidden) return;
    // A video shown at no size (width: 0, a collapsed container) is "intersecting" but seen by nobody, and
    // one beyond the cap waits its turn: looked at again in a second (measured then, since a video that
    // grows from no size may not be reported again).
    if (this.visibleArea === 0 || this.deps.isActive?.(this) === false) {
      this.frameHandleIsTimer = true;
      this.frameHandle = this.deps.ctx.setTimeout(() => {
        this.frameHandle = null;
        if (this.onScreen && this.area < MIN_VISIBLE_AREA) {
          const box = this.element.getBoundingClientRect();
          this.area = box.width * box.height;
        }
        this.next();
      }, 1000);
      return;
    }
    const video = this.video as VideoWithFrameCallback;
    if (video.paused) {
      const hasPicture = video.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA;
      // While seeking the picture is still the old one: the 'seeked' event comes back here.
      if (!hasPicture || video.seeking || video.currentTime === this.analyzedAtTime) return;
      const waitMs = Math.max(0, this.lastSentMs + 1000 / this.deps.settings().maxFps - performance.now());
      this.frameHandle = this.deps.ctx.setTimeout(() => {
        this.frameHandle = null;
        this.onFrame();
      }, waitMs);
      this.frameHandleIsTimer = true;
      return;
    }
    if (typeof video.requestVideoFrameCallback === 'function') {
      this.frameHandleIsTimer = false;
      this.frameHandle = video.requestVideoFrameCallback(() => {
        this.frameHandle = null;
        this.onFrame();
      });
    } else {
      this.frameHandleIsTimer = true;
      this.frameHandle = this.deps.ctx.setTimeout(() => {
        this.frameHandle = null;
        this.onFrame();
      }, 1000 / this.deps.settings().maxFps);
    }
  }

  private cancelFrame(): void {
    const video = this.video as VideoWithFrameCallback;
    if (this.frameHandle !== null) {
      if (this.frameHandleIsTimer) clearTimeout(this.frameHandle);
      else video.cancelVideoFrameCallback?.(this.frameHandle);
    }
    this.frameHandle = null;
  }

  private onFrame(): void {
    if (this.lifetime.signal.aborted || !this.deps.ctx.isValid) return;
    const now = performance.now();
    // The rate cap, and the engine's fair share for this video (it is shared with the other tabs' videos).
    const minIntervalMs = Math.max(1000 / this.deps.settings().maxFps, this.fairShareMs);
    if (now - this.lastSentMs < minIntervalMs) {
      this.skipped++;
      this.next();
      return;
    }
    this.lastSentMs = now;
    // A frame grabbed mid-seek shows the old picture: the position counts as analysed only once seeked.
    this.analyzedAtTime = this.video.seeking ? Number.NaN : this.video.currentTime;
    this.inFlight = true;
    const timing = this.timings.start(epochMs());
    void this.grabber
      .grab(this.video, this.frameSide)
      .then(async (frame) => {
        if (!frame) return;
        const result = await this.deps.transport.analyze(this.id, frame);
        this.show(result, frame, timing);
      })
      .catch((error: unknown) => {
        if (error instanceof UnreadableMediaError) {
          this.unreadable = true;
          this.overlayOf().setFaces([], 0, 0);
          if (error.reason === 'cross-origin' && this.deps.offerSnapshot)
            this.deps.offerSnapshot(this.element, this.overlayOf(), error.message);
          else this.overlayOf().setNotice(error.message);
          return;
        }
        if (isContextInvalidated(error)) return;
        // The engine host may have been restarted meanwhile: a new one has none of this stream's state.
        this.grabber.requestKeyFrame();
        console.warn('Affect Lens: frame analysis failed', error);
      })
      .finally(() => {
        this.inFlight = false;
        this.next();
      });
  }

  private show(result: FrameAnalysis | { status: 'busy' }, frame: GrabbedFrame, timing: FrameTiming): void {
    if (result.status === 'key-frame-needed') {
      // The engine host could not decode this frame (it is new): send the picture again, as a key frame,
      // also when the video is paused on it.
      this.grabber.requestKeyFrame();
      this.analyzedAtTime = Number.NaN;
    }
    // Not analysed (the port was busy, or a newer frame overtook it): a video paused on this picture
    // presents no other, so it is sent again; a playing one moves on to its next frame anyway.
    if (result.status === 'busy' || result.status === 'dropped') this.analyzedAtTime = Number.NaN;
    if (result.status !== 'analyzed' || this.lifetime.signal.aborted) return;
    this.analyzed++;
    timing.resultAtEpochMs = epochMs();
    timing.encoding = frame.payload.encoding;
    timing.encodeMs = frame.encodeMs;
    timing.wireMs = result.wireMs;
    timing.decodeMs = result.decodeMs;
    timing.queueMs = result.queueMs;
    timing.engineMs = result.latencyMs;
    timing.stages = result.stages ?? {};
    timing.faces = result.faces.length;
    this.frameSide = result.nextFrameSide;
    this.fairShareMs = result.nextFrameInMs ?? 0;
    // Faces come in the video's own pixels (the engine host scales them: frame sizes change with what the
    // engine asks for). A stream that changes resolution (a call adapting to bandwidth) has its tracks
    // rescaled by the tracker.
    const { sourceWidth, sourceHeight } = frame;
    const faces = this.tracker.update(result.faces, performance.now(), {
      width: sourceWidth,
      height: sourceHeight,
    });
    this.overlayOf().setFaces(faces, sourceWidth, sourceHeight, timing);
    this.history.record(faces, this.video.currentTime, Date.now());
  }
}
