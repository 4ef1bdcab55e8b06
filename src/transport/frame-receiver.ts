/**
 * The engine host's end of the wire (the page's end is frame-grabber.ts and vp8-encoder.ts): checks every
 * frame against its encoding's contract and turns it into RGBA. 'rgba' arrives as it is; 'jpeg' goes
 * through the injected image decoder; 'vp8' through the stream's own VideoDecoder (vp8-decoders.ts), chunk
 * by chunk in arrival order. A malformed frame throws saying what was expected; a VP8 delta frame without
 * its stream's state throws KeyFrameNeededError (the sender starts the stream again).
 */
import type { RgbaImage } from '../ml/types.ts';
import { FRAME_ENCODINGS, type FrameRequest } from '../protocol/frames.ts';
import type { VideoStreamDecoders } from './vp8-decoders.ts';

export interface FrameReceiverDeps {
  /** Decodes a JPEG-encoded video frame. */
  decodeFrame: (bytes: ArrayBuffer) => Promise<RgbaImage>;
  /** The VP8 streams of 'vp8'-encoded video frames, one decoder per stream. */
  videoDecoders: VideoStreamDecoders;
}

export interface FrameReceiver {
  /** The frame's pixels, decoded; `streamId` names its stream among every sender's. */
  pixels(frame: FrameRequest, streamId: string): Promise<RgbaImage>;
  /** Ends the streams that match (their sender went away). */
  end(matches: (streamId: string) => boolean): void;
  clear(): void;
}

const HINT =
  'Without the manifest key "message_serialization": "structured_clone" binary data arrives as plain objects.';

const kind = (value: unknown) => Object.prototype.toString.call(value);

const positiveInt = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 1;

/** Checks the frame's sizes: the frame's own, and the source's it was scaled from (faces come back in those). */
/**
 * The largest frame the engine takes, pixels a side: content scripts send frames scaled to the engine's
 * nextFrameSide (hundreds of pixels), so this only stops a request that would allocate gigabytes.
 */
export const MAX_FRAME_SIDE = 4096;
/** The largest video a frame may come from, pixels a side (16K). */
export const MAX_SOURCE_SIDE = 16384;

function assertFrameSizes(frame: FrameRequest): void {
  const { width, height, sourceWidth, sourceHeight } = frame;
  if (!positiveInt(width) || !positiveInt(height)) {
    throw new Error(`analyzeFrame: width and height must be positive integers, got ${width}x${height}`);
  }
  if (width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE) {
    throw new Error(
      `analyzeFrame: a ${width}x${height} frame is larger than ${MAX_FRAME_SIDE} pixels a side`,
    );
  }
  if (!positiveInt(sourceWidth) || !positiveInt(sourceHeight)) {
    throw new Error(
      `analyzeFrame: sourceWidth and sourceHeight (the video's own size) must be positive integers, got ${sourceWidth}x${sourceHeight}`,
    );
  }
  if (sourceWidth > MAX_SOURCE_SIDE || sourceHeight > MAX_SOURCE_SIDE) {
    throw new Error(
      `analyzeFrame: a ${sourceWidth}x${sourceHeight} video is larger than ${MAX_SOURCE_SIDE} pixels a side`,
    );
  }
}

export function createFrameReceiver(deps: FrameReceiverDeps): FrameReceiver {
  return {
    async pixels(frame, streamId) {
      assertFrameSizes(frame);
      const { width, height } = frame;
      switch (frame.encoding) {
        case 'rgba': {
          const { pixels } = frame;
          if (!(pixels instanceof Uint8ClampedArray) || pixels.length !== width * height * 4) {
            const got = pixels instanceof Uint8ClampedArray ? `${pixels.length} bytes` : kind(pixels);
            throw new Error(
              `analyzeFrame: expected ${width * height * 4} bytes of RGBA (${width}x${height}x4) as a Uint8ClampedArray, got ${got}. ${HINT}`,
            );
          }
          return { width, height, data: pixels };
        }
        case 'jpeg': {
          if (!(frame.bytes instanceof ArrayBuffer)) {
            throw new Error(
              `analyzeFrame: expected the JPEG as an ArrayBuffer, got ${kind(frame.bytes)}. ${HINT}`,
            );
          }
          const image = await deps.decodeFrame(frame.bytes);
          if (image.width !== width || image.height !== height) {
            throw new Error(
              `analyzeFrame: the JPEG is ${image.width}x${image.height}, the request says ${width}x${height}`,
            );
          }
          return image;
        }
        case 'vp8': {
          if (!(frame.chunk instanceof ArrayBuffer)) {
            throw new Error(
              `analyzeFrame: expected the VP8 chunk as an ArrayBuffer, got ${kind(frame.chunk)}. ${HINT}`,
            );
          }
          return deps.videoDecoders.decode(streamId, frame, width, height);
        }
        default:
          throw new Error(
            `analyzeFrame: unknown encoding ${JSON.stringify((frame as { encoding: unknown }).encoding)}; expected ${FRAME_ENCODINGS.map((e) => `'${e}'`).join(', ')}`,
          );
      }
    },
    end: (matches) => deps.videoDecoders.end(matches),
    clear: () => deps.videoDecoders.clear(),
  };
}
