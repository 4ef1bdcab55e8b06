/**
 * A video frame on the wire, its answer, and its timings: the types of the frames port (src/messaging/frames-port.ts).
 * The code that encodes (in the page) and validates and decodes (in the engine host) is src/transport.
 */
import type { Face, StageTrace } from '../ml/engine-api.ts';
import type { EmotionScores, Emotion } from '../ml/emotions.ts';

/**
 * How a frame's pixels travel. 'vp8' (default where WebCodecs exists): the page encodes each video's frames
 * as a VP8 stream (WebCodecs, realtime mode, near-lossless: about 44 dB PSNR against the raw pixels) and the
 * engine host decodes them, about 7 KB instead of 230 KB per 320x180 frame; the bytes are what a frame's
 * trip costs here (src/transport/README.md). 'rgba': the raw pixels, no encoding loss, nothing to decode;
 * the fallback without WebCodecs. 'jpeg': encoded off the page's main thread, but decoding in the hidden
 * engine host is slow on a busy machine.
 */
export const FRAME_ENCODINGS = ['vp8', 'jpeg', 'rgba'] as const;
export type FrameEncoding = (typeof FRAME_ENCODINGS)[number];

/**
 * How the engine host configures its decoder for a VP8 stream: the VideoEncoder's own decoderConfig
 * (metadata of its key frames), whose colour space says how the encoder turned RGB into YUV.
 */
export interface Vp8StreamConfig {
  codec: string;
  codedWidth: number;
  codedHeight: number;
  colorSpace?: {
    primaries?: string | null;
    transfer?: string | null;
    matrix?: string | null;
    fullRange?: boolean | null;
  };
}

export type FramePayload =
  | { encoding: 'jpeg'; bytes: ArrayBuffer }
  /** RGBA, row-major, width * height * 4 bytes. */
  | { encoding: 'rgba'; pixels: Uint8ClampedArray }
  /**
   * One encoded chunk of the source's VP8 stream. A key frame carries the stream's config and starts the
   * stream afresh; a delta frame needs every chunk since the last key frame, so the engine host decodes all
   * of them in order, even those whose analysis it drops.
   */
  | {
      encoding: 'vp8';
      chunk: ArrayBuffer;
      key: boolean;
      config: Vp8StreamConfig | null;
      timestampUs: number;
    };

/** One video frame on its way to the engine, possibly downscaled from the video. */
export type FrameRequest = FramePayload & {
  /** Unique within the sending content script (one per <video>). */
  sourceId: string;
  /** The frame's size, px (scaled down from the source to what the engine asked for). */
  width: number;
  height: number;
  /**
   * The source's own size when the frame was grabbed (the video's videoWidth x videoHeight), px: the engine
   * host returns faces in these pixels (src/runtime/engine-host.ts, the one place faces are scaled).
   */
  sourceWidth: number;
  sourceHeight: number;
  /** Time the sender spent reading and encoding the frame, ms. */
  encodeMs: number;
  /** `performance.timeOrigin + performance.now()` when sent: comparable across contexts of one machine. */
  sentAtEpochMs: number;
};

export type FrameAnalysis =
  | {
      status: 'analyzed';
      faces: FrameFace[];
      /** Engine time (detector + classifiers), ms. */
      latencyMs: number;
      /** From send to receipt by the engine host, ms. */
      wireMs: number;
      /** Decoding in the engine host (0 for rgba), ms. */
      decodeMs: number;
      /** Waiting for the engine behind other sources, ms. */
      queueMs: number;
      /**
       * The longer side the next frame of this source should have, px: enough for the classifier's crop of
       * the smallest face, no more (src/ml/frame-side.ts).
       */
      nextFrameSide: number;
      /**
       * This source's fair share of the engine, as the least time until its next frame, ms: the engine's
       * time per frame x the tabs sending frames x this tab's sources. The page neither grabs nor encodes
       * nor sends a frame sooner, so a tab with many videos cannot starve another tab with its transport.
       * 0 or absent: no wait.
       */
      nextFrameInMs?: number;
      /** Engine time per pipeline stage, ms (for profiling: scripts/bench-e2e). */
      stages?: StageTrace;
    }
  /** A newer frame of the same source arrived before this one was analysed. */
  | { status: 'dropped' }
  /**
   * A VP8 delta frame the engine host cannot decode: it has no decoder state for the stream (the host was
   * restarted, or a chunk was lost). The sender starts the stream again with a key frame.
   */
  | { status: 'key-frame-needed' };

/**
 * One analysed video frame as the content script saw it, for benchmarks (scripts/bench-e2e). Times are
 * `performance.timeOrigin + performance.now()` ms, comparable across contexts of one machine.
 */
export interface FrameTiming {
  /** Counts the frames of one video source, from 1. */
  seq: number;
  /** When the content script started grabbing the frame. */
  capturedAtEpochMs: number;
  /** When the frame's result reached the content script. */
  resultAtEpochMs: number;
  /** When the overlay showing that result was laid out; null until then (or if a newer result replaced it). */
  drawnAtEpochMs: number | null;
  /** How the frame travelled (the grabber's encoding; 'rgba' after a VP8 fallback); null until its result came. */
  encoding: FrameEncoding | null;
  encodeMs: number;
  wireMs: number;
  decodeMs: number;
  queueMs: number;
  /** Engine time (detector + classifiers). */
  engineMs: number;
  stages: StageTrace;
  faces: number;
}

/**
 * The temporal model's result for one face of a video frame: its emotion over the face's last frames
 * (src/ml/temporal-smoother.ts), e.g. EMO-AffectNet's LSTM over 2 s.
 */
export interface SmoothedEmotion {
  emotions: EmotionScores;
  top: { emotion: Emotion; probability: number };
  /** The stream time its samples cover, ms: 2000 for a full window at 5 fps, less while it fills. */
  spanMs: number;
  /** Real samples in the window (10 when full). */
  samples: number;
}

/**
 * A face of an analysed video frame: never its feature vector (512 floats per face are not worth a message),
 * and `smoothed` when the temporal mode is in use and the face has a result.
 */
export type FrameFace = Omit<Face, 'features'> & { smoothed?: SmoothedEmotion };
