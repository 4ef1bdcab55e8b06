/**
 * The engine host's video streams: one src/ml VideoSession per stream (a <video> of a tab's frame), made on
 * the stream's first frame for the engine in use, ended when its sender goes, and all dropped when the
 * engine reloads. In the temporal mode each session gets its own TemporalSmoother when the mode is in use
 * and loses it when the mode goes off or its classifier changes (a window of features is only meaningful for
 * one unbroken run of the mode with one classifier).
 */
import type { AnalyzeOptions, StageTrace } from '../ml/engine-api.ts';
import type { RgbaImage } from '../ml/types.ts';
import { openVideoSession, type VideoFrameResult, type VideoSession } from '../ml/video-session.ts';
import type { LoadedEngine } from './engine-loader.ts';

/** Streams kept at most; the least recently used one ends beyond it (the engine's own bound is similar). */
export const MAX_VIDEO_STREAMS = 32;

export interface VideoStreams {
  /**
   * One frame of stream `streamId` on `loaded`; `temporal` says whether the temporal model should run on it.
   * A smoother failure comes back as `temporalError` (the caller decides what the mode does next).
   */
  analyzeFrame(
    loaded: LoadedEngine,
    streamId: string,
    image: RgbaImage,
    timestampMs: number,
    options: { temporal: boolean; analyze: Partial<AnalyzeOptions> },
    trace?: StageTrace,
  ): Promise<VideoFrameResult>;
  /** Ends the streams that match (their sender went away). */
  end(matches: (streamId: string) => boolean): void;
  /** Stops the temporal model on every stream; it starts afresh on each stream's next frame in the mode. */
  resetTemporal(): void;
  /** Forgets every stream (the engine reloaded or unloaded). */
  clear(): void;
}

export function createVideoStreams(): VideoStreams {
  /** Map order is use order: the least recently used stream first. */
  const sessions = new Map<string, { session: VideoSession; loaded: LoadedEngine }>();

  const sessionFor = (loaded: LoadedEngine, streamId: string): VideoSession => {
    const existing = sessions.get(streamId);
    sessions.delete(streamId);
    if (existing && existing.loaded === loaded) {
      sessions.set(streamId, existing);
      return existing.session;
    }
    const session = openVideoSession(loaded.engine, streamId);
    sessions.set(streamId, { session, loaded });
    if (sessions.size > MAX_VIDEO_STREAMS) {
      const [oldestId, oldest] = sessions.entries().next().value!;
      sessions.delete(oldestId);
      oldest.session.end();
    }
    return session;
  };

  return {
    analyzeFrame(loaded, streamId, image, timestampMs, options, trace) {
      const session = sessionFor(loaded, streamId);
      if (!options.temporal) session.smoothWith(null);
      else if (!session.smoothing) session.smoothWith(loaded.createTemporalSmoother());
      return session.analyzeFrame(image, timestampMs, options.analyze, trace);
    },
    end(matches) {
      for (const [streamId, { session }] of sessions) {
        if (!matches(streamId)) continue;
        sessions.delete(streamId);
        session.end();
      }
    },
    resetTemporal() {
      for (const { session } of sessions.values()) session.smoothWith(null);
    },
    clear() {
      sessions.clear();
    },
  };
}
