/**
 * Encodes one video's frames as a VP8 stream with WebCodecs, in the page, so a frame crosses to the engine
 * host as about 7 KB instead of 230 KB of RGBA (320x180): on these machines a message costs about 1.6 ms
 * plus 1 ms per 20 KB, whatever the route (src/transport/README.md). The video's own decoded picture
 * (a VideoFrame, usually YUV 4:2:0 already) goes to the encoder as it is: the encoder scales it to its
 * configured size, as the WebCodecs spec requires (https://www.w3.org/TR/webcodecs/#dom-videoencoderconfig-width),
 * so the page reads no pixels back at all. Realtime mode, at a bitrate the encoder cannot use up at these
 * sizes, so it stays at its best quality: about 42 dB PSNR against a canvas-scaled copy of the same frame,
 * 6 KB per 320x180 frame (measured). The first frame, every size change and every `requestKeyFrame` start
 * the stream with a key frame that carries the encoder's own decoder config, colour space included (for a
 * frame it had to convert from RGB, decoding with any other colour space gives colours 6-7 levels too dark).
 */
import type { FramePayload, Vp8StreamConfig } from '../protocol/frames.ts';

export type Vp8Payload = Extract<FramePayload, { encoding: 'vp8' }>;

/** More than the encoder uses at <= 640 px (it stays at its minimum quantizer): no quality is traded. */
export const VP8_BITRATE = 8_000_000;
/** The realtime encoder may drop a frame and never answer; past this, the stream starts over. */
export const VP8_OUTPUT_TIMEOUT_MS = 2000;

/** Whether this context can encode VP8 (WebCodecs). Without it, frames travel as RGBA. */
export function vp8EncodingSupported(): boolean {
  return typeof VideoEncoder === 'function' && typeof VideoFrame === 'function';
}

interface PendingOutput {
  resolve: (payload: Vp8Payload) => void;
  reject: (error: Error) => void;
}

export class Vp8FrameEncoder {
  private encoder: VideoEncoder | null = null;
  private width = 0;
  private height = 0;
  private keyNext = true;
  private streamConfig: Vp8StreamConfig | null = null;
  private pending: PendingOutput | null = null;
  /** Microseconds, increasing by one frame period per frame: VP8 rate control wants a steady clock. */
  private timestampUs = 0;

  /** The next frame starts the stream again (the engine host lost it, or the host is new). */
  requestKeyFrame(): void {
    this.keyNext = true;
  }

  /**
   * Encodes the source's current picture at width x height (even numbers). One frame at a time: the caller
   * keeps at most one in flight. Throws a DOMException 'SecurityError' for pixels the page may not read.
   */
  async encode(
    source: HTMLVideoElement | HTMLImageElement,
    width: number,
    height: number,
  ): Promise<Vp8Payload> {
    if (this.pending) throw new Error('Vp8FrameEncoder: a frame is already being encoded');
    if (width % 2 !== 0 || height % 2 !== 0) {
      throw new Error(`Vp8FrameEncoder: frame size must be even (4:2:0 chroma), got ${width}x${height}`);
    }
    // A cross-origin video without CORS throws SecurityError here.
    const frame = new VideoFrame(source, { timestamp: this.timestampUs });
    this.timestampUs += 33_333;
    try {
      const encoder = this.encoderFor(width, height);
      const keyFrame = this.keyNext;
      this.keyNext = false;
      const output = new Promise<Vp8Payload>((resolve, reject) => {
        this.pending = { resolve, reject };
      });
      const timer = setTimeout(() => {
        this.fail(new Error(`the VP8 encoder gave no output within ${VP8_OUTPUT_TIMEOUT_MS} ms`));
      }, VP8_OUTPUT_TIMEOUT_MS);
      encoder.encode(frame, { keyFrame });
      try {
        return await output;
      } finally {
        clearTimeout(timer);
      }
    } finally {
      frame.close();
    }
  }

  close(): void {
    this.fail(new Error('the VP8 encoder was closed'));
  }

  private encoderFor(width: number, height: number): VideoEncoder {
    if (
      this.encoder &&
      this.encoder.state === 'configured' &&
      width === this.width &&
      height === this.height
    ) {
      return this.encoder;
    }
    this.encoder ??= new VideoEncoder({
      output: (chunk, metadata) => this.onOutput(chunk, metadata),
      error: (error) => this.fail(new Error(`VP8 encoding failed: ${error.message}`)),
    });
    this.encoder.configure({
      codec: 'vp8',
      width,
      height,
      bitrate: VP8_BITRATE,
      framerate: 30,
      latencyMode: 'realtime',
    });
    this.width = width;
    this.height = height;
    this.streamConfig = null;
    this.keyNext = true;
    return this.encoder;
  }

  private onOutput(chunk: EncodedVideoChunk, metadata?: EncodedVideoChunkMetadata): void {
    const config = metadata?.decoderConfig;
    if (config) {
      this.streamConfig = {
        codec: config.codec,
        codedWidth: config.codedWidth ?? this.width,
        codedHeight: config.codedHeight ?? this.height,
        ...(config.colorSpace ? { colorSpace: { ...config.colorSpace } } : {}),
      };
    }
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    const key = chunk.type === 'key';
    if (key && !this.streamConfig) {
      pending.reject(new Error('the VP8 encoder gave a key frame without its decoder config'));
      return;
    }
    const bytes = new ArrayBuffer(chunk.byteLength);
    chunk.copyTo(bytes);
    pending.resolve({
      encoding: 'vp8',
      chunk: bytes,
      key,
      config: key ? this.streamConfig : null,
      timestampUs: chunk.timestamp,
    });
  }

  /** Rejects the frame in progress and drops the encoder: the next frame builds a new one, key frame first. */
  private fail(error: Error): void {
    const pending = this.pending;
    this.pending = null;
    const encoder = this.encoder;
    this.encoder = null;
    this.keyNext = true;
    if (encoder && encoder.state !== 'closed') encoder.close();
    pending?.reject(error);
  }
}
