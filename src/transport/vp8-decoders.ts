/**
 * The engine host's side of the 'vp8' frame encoding (src/transport/vp8-encoder.ts): one WebCodecs
 * VideoDecoder per video stream, decoding every chunk in arrival order into RGBA for the engine. A key frame
 * (re)configures the stream's decoder with the encoder's own config; a delta frame for a stream without a
 * decoder (a new engine host, a decoder error) throws KeyFrameNeededError, and the sender starts over.
 */
import type { FramePayload } from '../protocol/frames.ts';
import type { RgbaImage } from '../ml/types.ts';

type Vp8Payload = Extract<FramePayload, { encoding: 'vp8' }>;

/** Streams with a decoder kept at most; the least recently used one is closed beyond it. */
export const MAX_DECODED_STREAMS = 32;
/** The largest VP8 picture decoded, pixels a side (frames are a few hundred pixels; see MAX_FRAME_SIDE). */
export const MAX_VP8_SIDE = 4096;

export class KeyFrameNeededError extends Error {
  override readonly name = 'KeyFrameNeededError';
}

export interface VideoStreamDecoders {
  /** The chunk's picture as RGBA, width x height (the request's size, checked). */
  decode(streamId: string, payload: Vp8Payload, width: number, height: number): Promise<RgbaImage>;
  /** Closes the decoders of the streams that match (their sender went away). */
  end(matches: (streamId: string) => boolean): void;
  clear(): void;
}

interface PendingFrame {
  width: number;
  height: number;
  resolve: (image: RgbaImage) => void;
  reject: (error: Error) => void;
}

interface Stream {
  decoder: VideoDecoder;
  pending: PendingFrame[];
}

/** VideoFrame -> RGBA: copyTo converts where the browser can; otherwise through a canvas. */
async function rgbaOf(frame: VideoFrame, canvasRef: { canvas: OffscreenCanvas | null }): Promise<RgbaImage> {
  const width = frame.displayWidth;
  const height = frame.displayHeight;
  // Checked before allocating: a forged stream could announce any size.
  if (width > MAX_VP8_SIDE || height > MAX_VP8_SIDE)
    throw new Error(
      `analyzeFrame: a decoded ${width}x${height} VP8 frame is larger than ${MAX_VP8_SIDE} pixels a side`,
    );
  const data = new Uint8ClampedArray(width * height * 4);
  try {
    await frame.copyTo(data, { format: 'RGBA', colorSpace: 'srgb' });
    return { width, height, data };
  } catch {
    let canvas = canvasRef.canvas;
    if (!canvas || canvas.width !== width || canvas.height !== height) {
      canvas = canvasRef.canvas = new OffscreenCanvas(width, height);
    }
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('No 2D context for decoding VP8 frames.');
    context.drawImage(frame, 0, 0);
    return { width, height, data: context.getImageData(0, 0, width, height).data };
  }
}

export function createVp8Decoders(): VideoStreamDecoders {
  const streams = new Map<string, Stream>();
  const canvasRef: { canvas: OffscreenCanvas | null } = { canvas: null };

  const close = (streamId: string, error: Error): void => {
    const stream = streams.get(streamId);
    if (!stream) return;
    streams.delete(streamId);
    if (stream.decoder.state !== 'closed') stream.decoder.close();
    for (const p of stream.pending.splice(0)) p.reject(error);
  };

  const open = (streamId: string): Stream => {
    const stream: Stream = {
      pending: [],
      decoder: new VideoDecoder({
        output: (frame) => {
          const p = stream.pending.shift();
          if (!p) {
            frame.close();
            return;
          }
          rgbaOf(frame, canvasRef)
            .finally(() => frame.close())
            .then((image) => {
              if (image.width !== p.width || image.height !== p.height) {
                throw new Error(
                  `analyzeFrame: the VP8 frame is ${image.width}x${image.height}, the request says ${p.width}x${p.height}`,
                );
              }
              p.resolve(image);
            })
            .catch((error: unknown) => p.reject(error instanceof Error ? error : new Error(String(error))));
        },
        error: (error) => {
          // The decoder is closed now; the sender's next delta frame gets KeyFrameNeededError.
          if (streams.get(streamId) === stream) streams.delete(streamId);
          for (const p of stream.pending.splice(0))
            p.reject(new Error(`VP8 decoding failed: ${error.message}`));
        },
      }),
    };
    streams.set(streamId, stream);
    while (streams.size > MAX_DECODED_STREAMS) {
      const oldest = streams.keys().next().value!;
      close(oldest, new KeyFrameNeededError('too many video streams: this one was closed'));
    }
    return stream;
  };

  return {
    decode(streamId, payload, width, height) {
      if (!(payload.chunk instanceof ArrayBuffer)) {
        throw new Error(
          `analyzeFrame: expected the VP8 chunk as an ArrayBuffer, got ${Object.prototype.toString.call(payload.chunk)}`,
        );
      }
      let stream = streams.get(streamId);
      if (payload.key) {
        const config = payload.config;
        if (!config || typeof config.codec !== 'string') {
          throw new Error('analyzeFrame: a VP8 key frame must carry its stream config (codec, coded size)');
        }
        const side = (n: unknown) =>
          Number.isSafeInteger(n) && (n as number) > 0 && (n as number) <= MAX_VP8_SIDE;
        if (!side(config.codedWidth) || !side(config.codedHeight)) {
          throw new Error(
            `analyzeFrame: a VP8 stream of ${String(config.codedWidth)}x${String(config.codedHeight)} is refused (1 to ${MAX_VP8_SIDE} pixels a side)`,
          );
        }
        if (!stream || stream.decoder.state === 'closed') stream = open(streamId);
        else {
          // Most recently used last, for the eviction above.
          streams.delete(streamId);
          streams.set(streamId, stream);
        }
        stream.decoder.configure({
          codec: config.codec,
          codedWidth: config.codedWidth,
          codedHeight: config.codedHeight,
          ...(config.colorSpace ? { colorSpace: config.colorSpace as VideoColorSpaceInit } : {}),
          optimizeForLatency: true,
        });
      } else if (!stream || stream.decoder.state !== 'configured') {
        throw new KeyFrameNeededError(`no decoder state for video stream ${streamId}: send a key frame`);
      }
      // Queued only once the decoder took the chunk: a chunk it refuses (it throws) leaves no entry that
      // would never settle. Outputs come asynchronously, so none can arrive before the push.
      stream.decoder.decode(
        new EncodedVideoChunk({
          type: payload.key ? 'key' : 'delta',
          timestamp: payload.timestampUs,
          data: payload.chunk,
        }),
      );
      const queue = stream.pending;
      return new Promise<RgbaImage>((resolve, reject) => queue.push({ width, height, resolve, reject }));
    },
    end(matches) {
      for (const streamId of [...streams.keys()]) {
        if (matches(streamId)) close(streamId, new Error('the video stream ended'));
      }
    },
    clear() {
      for (const streamId of [...streams.keys()]) close(streamId, new Error('the engine host was unloaded'));
    },
  };
}
