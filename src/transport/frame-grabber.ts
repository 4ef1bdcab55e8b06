/**
 * Reads the current picture of a <video> (or <img>) for the engine, scaled down so its longer side is at
 * most `maxSide`: the detector sees 128 or 192 pixels and the classifiers 64 or 112-pixel crops, while the
 * transport cost grows with the frame. One canvas per grabber, resized only when the frame size changes.
 * 'vp8' (the default) encodes the video as a VP8 stream with WebCodecs (vp8-encoder.ts); 'jpeg' encodes with
 * OffscreenCanvas.convertToBlob (off the page's main thread); 'rgba' reads the pixels back with getImageData
 * (on the page's main thread) and sends them as they are. Without WebCodecs, 'vp8' falls back to 'rgba'.
 */
import { MAX_FRAME_SIDE } from '../ml/frame-side.ts';
import type { FrameEncoding, FramePayload } from '../protocol/frames.ts';
import { vp8EncodingSupported, Vp8FrameEncoder } from './vp8-encoder.ts';

/** The longest side of a frame sent to the engine, px (the engine asks for less when it needs less). */
export { MAX_FRAME_SIDE };
/** JPEG quality of video frames: artefacts stay well below what the video codec already did. */
export const FRAME_JPEG_QUALITY = 0.9;

export interface GrabbedFrame {
  width: number;
  height: number;
  /** The source's own size at the grab, px (faces come back in these pixels). */
  sourceWidth: number;
  sourceHeight: number;
  /** From drawing the picture to having the bytes, ms. */
  encodeMs: number;
  payload: FramePayload;
}

export type UnreadableReason = 'cross-origin' | 'drm';

/** The media's pixels cannot be read here; `message` explains why to the user. */
export class UnreadableMediaError extends Error {
  override readonly name = 'UnreadableMediaError';
  constructor(
    readonly reason: UnreadableReason,
    message: string,
  ) {
    super(message);
  }
}

export const UNREADABLE_MESSAGES: Record<UnreadableReason, string> = {
  'cross-origin':
    'Affect Lens cannot read this video: it comes from another site that does not allow it (no CORS), so the browser hides its pixels from extensions.',
  drm: 'Affect Lens cannot read this video: it is DRM-protected, so the browser shows its pixels only on screen.',
};

/** A canvas the page drew pictures from another site into (without CORS): the browser hides all its pixels. */
export const UNREADABLE_CANVAS_MESSAGE =
  'Affect Lens cannot read this canvas: the page drew pictures from another site into it without CORS, so the browser hides its pixels from extensions.';

type Source = HTMLVideoElement | HTMLImageElement;

function sourceSize(source: Source): { width: number; height: number } {
  return source instanceof HTMLVideoElement
    ? { width: source.videoWidth, height: source.videoHeight }
    : { width: source.naturalWidth, height: source.naturalHeight };
}

/** The encoding this context can produce: 'vp8' needs WebCodecs, otherwise frames travel as RGBA. */
export function usableEncoding(wanted: FrameEncoding): FrameEncoding {
  return wanted === 'vp8' && !vp8EncodingSupported() ? 'rgba' : wanted;
}

/**
 * VP8 failures in a row (the encoder errs or never answers) after which a grabber sends RGBA instead: a
 * browser whose WebCodecs cannot encode VP8 still gets its overlay.
 */
export const VP8_FAILURES_BEFORE_RGBA = 3;

/** VP8 codes 4:2:0 chroma: both sides even. */
const even = (n: number) => Math.max(2, 2 * Math.round(n / 2));

export class FrameGrabber {
  private canvas: OffscreenCanvas | null = null;
  private context: OffscreenCanvasRenderingContext2D | null = null;
  private vp8: Vp8FrameEncoder | null = null;
  private vp8Failures = 0;
  private currentEncoding: FrameEncoding;

  constructor(
    encoding: FrameEncoding = 'rgba',
    private readonly maxSide = MAX_FRAME_SIDE,
  ) {
    this.currentEncoding = usableEncoding(encoding);
  }

  /** The encoding of the next frame: the one asked for, unless this context cannot produce it. */
  get encoding(): FrameEncoding {
    return this.currentEncoding;
  }

  /** The engine host lost this source's VP8 stream: the next frame is a key frame. */
  requestKeyFrame(): void {
    this.vp8?.requestKeyFrame();
  }

  /** Releases the VP8 encoder, if any. */
  close(): void {
    this.vp8?.close();
    this.vp8 = null;
  }

  /**
   * null when the media has no picture yet (no metadata, or 0x0). Throws UnreadableMediaError.
   * `maxSide` (at most the grabber's own) is what the engine asked for after the previous frame
   * (FrameAnalysis.nextFrameSide): no more pixels than the analysis needs.
   */
  async grab(source: Source, maxSide = this.maxSide): Promise<GrabbedFrame | null> {
    if (source instanceof HTMLVideoElement && source.mediaKeys) {
      throw new UnreadableMediaError('drm', UNREADABLE_MESSAGES.drm);
    }
    const natural = sourceSize(source);
    if (natural.width === 0 || natural.height === 0) return null;
    const started = performance.now();
    const side = Math.min(this.maxSide, maxSide);
    const sized = (width: number, height: number) => ({
      width,
      height,
      sourceWidth: natural.width,
      sourceHeight: natural.height,
    });
    const scale = Math.min(1, side / Math.max(natural.width, natural.height));
    try {
      if (this.currentEncoding === 'vp8') {
        const width = even(natural.width * scale);
        const height = even(natural.height * scale);
        this.vp8 ??= new Vp8FrameEncoder();
        const payload = await this.vp8.encode(source, width, height).catch((error: unknown) => {
          this.vp8Failed(error);
          throw error;
        });
        this.vp8Failures = 0;
        return { ...sized(width, height), encodeMs: performance.now() - started, payload };
      }
      const width = Math.max(1, Math.round(natural.width * scale));
      const height = Math.max(1, Math.round(natural.height * scale));
      const { canvas, context } = this.canvasOf(width, height);
      context.drawImage(source, 0, 0, width, height);
      let payload: FramePayload;
      if (this.currentEncoding === 'jpeg') {
        const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: FRAME_JPEG_QUALITY });
        payload = { encoding: 'jpeg', bytes: await blob.arrayBuffer() };
      } else {
        payload = { encoding: 'rgba', pixels: context.getImageData(0, 0, width, height).data };
      }
      return { ...sized(width, height), encodeMs: performance.now() - started, payload };
    } catch (error) {
      if (error instanceof DOMException && error.name === 'SecurityError') {
        // A tainted canvas stays tainted: start clean, in case the media changes to a readable source.
        this.canvas = null;
        this.context = null;
        throw new UnreadableMediaError('cross-origin', UNREADABLE_MESSAGES['cross-origin']);
      }
      throw error;
    }
  }

  private vp8Failed(error: unknown): void {
    // An unreadable video is not the encoder's failure: the caller explains it to the user.
    if (error instanceof DOMException && error.name === 'SecurityError') return;
    if (++this.vp8Failures < VP8_FAILURES_BEFORE_RGBA) return;
    console.warn(
      `Affect Lens: VP8 encoding failed ${this.vp8Failures} times in a row (${String(error)}); this video's frames now travel as raw RGBA.`,
    );
    this.close();
    this.currentEncoding = 'rgba';
  }

  private canvasOf(
    width: number,
    height: number,
  ): { canvas: OffscreenCanvas; context: OffscreenCanvasRenderingContext2D } {
    if (!this.canvas || !this.context || this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas = new OffscreenCanvas(width, height);
      const context = this.canvas.getContext('2d', {
        willReadFrequently: this.currentEncoding === 'rgba',
        alpha: false,
      });
      if (!context) throw new Error('No 2D canvas context for grabbing frames.');
      this.context = context;
    }
    return { canvas: this.canvas, context: this.context };
  }
}
