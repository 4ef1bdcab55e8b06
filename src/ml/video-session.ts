/**
 * One video stream's analysis, the same in the extension (src/runtime/video-streams.ts) and the CLI
 * (src/cli/analyze-temporal.ts): each frame through the engine's video path (Engine.analyzeVideoFrame, its
 * detector passes chosen by the stream's recent frames), then, in the temporal mode, each face through the
 * stream's TemporalSmoother (its window of features, the temporal model over it); `end()` forgets the
 * stream in the engine. Frames come in stream order, `timestampMs` on the stream's own clock.
 */
import type { AnalyzeOptions, Engine, Face, StageTrace } from './engine-api.ts';
import type { RgbaImage } from './types.ts';
import type { SmoothedFace, TemporalSmoother } from './temporal-smoother.ts';

export interface VideoFrameResult {
  /** The frame's faces, in pixels of the image given (with `features` when the classifier gives them). */
  faces: Face[];
  /**
   * The temporal model's result per face (same order, null for a face without one yet); null when the
   * session runs without a smoother, or its smoother failed on this frame (`temporalError` says why).
   */
  smoothed: (SmoothedFace | null)[] | null;
  /** The smoother's failure on this frame; the session goes on with per-frame results only. */
  temporalError?: Error;
}

export interface VideoSession {
  readonly streamId: string;
  analyzeFrame(
    image: RgbaImage,
    timestampMs: number,
    options?: Partial<AnalyzeOptions>,
    trace?: StageTrace,
  ): Promise<VideoFrameResult>;
  /** Whether the temporal model runs on this stream's faces. */
  readonly smoothing: boolean;
  /**
   * Runs the temporal model with `smoother` from the next frame on (a fresh one per stream: it holds the
   * stream's tracks and windows), or stops it (null).
   */
  smoothWith(smoother: TemporalSmoother | null): void;
  /** Forgets the stream in the engine; the session is not used afterwards. */
  end(): void;
}

/** `smoother` (as smoothWith) runs the temporal model; null gives per-frame results only. */
export function openVideoSession(
  engine: Engine,
  streamId: string,
  smoother: TemporalSmoother | null = null,
): VideoSession {
  let current = smoother;
  let ended = false;
  return {
    streamId,
    get smoothing() {
      return current !== null;
    },
    async analyzeFrame(image, timestampMs, options, trace) {
      if (ended) throw new Error(`video session '${streamId}' has ended`);
      const faces = await engine.analyzeVideoFrame(image, { streamId, timestampMs }, options, trace);
      if (!current) return { faces, smoothed: null };
      try {
        return { faces, smoothed: await current.update(faces, timestampMs) };
      } catch (error) {
        current = null;
        return {
          faces,
          smoothed: null,
          temporalError: error instanceof Error ? error : new Error(String(error)),
        };
      }
    },
    smoothWith(smoother) {
      current = smoother;
    },
    end() {
      if (ended) return;
      ended = true;
      current = null;
      engine.endStream(streamId);
    },
  };
}
