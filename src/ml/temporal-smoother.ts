/**
 * The temporal mode ("smoothed over 2 s"): follows each face of one video stream across frames, keeps its
 * feature window (./feature-window.ts) and runs the temporal model (manifest.ts TemporalEntry, e.g.
 * EMO-AffectNet's LSTM) on it whenever a new sample came in, for all such faces of a frame in one call.
 *
 * Faces are matched to tracks by box overlap (greedy-match.ts, as src/content/face-tracker.ts); a
 * track not seen for a window's span is dropped, and a new face starts a new window. The faces must carry
 * `features` (engine.ts gives them when the classifier entry names a featuresOutput); faces without them
 * get null. Pure: the model runs behind InferenceBackend.
 */
import type { InferenceBackend } from './backend.ts';
import { assertLabels, toEmotionScores, topEmotion } from './emotion-scores.ts';
import type { Emotion, EmotionScores } from './emotions.ts';
import type { Face } from './engine-api.ts';
import { FeatureWindow } from './feature-window.ts';
import { matchByIoU } from './greedy-match.ts';
import type { TemporalEntry } from './manifest.ts';
import type { PxBox } from './types.ts';

export interface SmoothedFace {
  /** Stable per face within the stream, from 1. */
  trackId: number;
  /** Real samples in the window (window: the whole span is real; fewer: the first one is repeated). */
  samples: number;
  /** The stream time those samples cover, ms (FeatureWindow.coveredMs: 2000 for a full window at 5 fps). */
  spanMs: number;
  /** Whether this frame added a sample (and the model ran); otherwise the track's last result. */
  fresh: boolean;
  emotions: EmotionScores;
  top: { emotion: Emotion; probability: number };
}

export interface TemporalSmootherOptions {
  /** Minimum IoU for a face to continue a track (default 0.3, as the overlay's tracker). */
  minIoU: number;
}

export interface TemporalSmoother {
  readonly entry: TemporalEntry;
  /** Faces of the frame at `timestampMs` (the stream's clock, in order); one result per face, same order. */
  update(faces: readonly Face[], timestampMs: number): Promise<(SmoothedFace | null)[]>;
  reset(): void;
}

interface Track {
  id: number;
  box: PxBox;
  lastSeenMs: number;
  window: FeatureWindow;
  result: { emotions: EmotionScores; top: { emotion: Emotion; probability: number } } | null;
}

export function createTemporalSmoother(
  backend: InferenceBackend,
  entry: TemporalEntry,
  options: Partial<TemporalSmootherOptions> = {},
): TemporalSmoother {
  assertLabels(entry);
  const [, window, featureSize] = entry.input.shape;
  if (window !== entry.window || featureSize === undefined || entry.input.shape.length !== 3) {
    throw new Error(
      `temporal model '${entry.id}': input shape must be [1, window (${entry.window}), features], got [${entry.input.shape.join(', ')}]`,
    );
  }
  const maxBatch = Math.max(1, entry.maxBatch);
  const minIoU = options.minIoU ?? 0.3;
  const spec = { window: entry.window, sampleFps: entry.sampleFps, featureSize };
  const sequenceSize = entry.window * featureSize;
  const input = new Float32Array(maxBatch * sequenceSize);
  let tracks: Track[] = [];
  let nextId = 1;
  let lastMs: number | null = null;

  const run = async (group: Track[]): Promise<void> => {
    group.forEach((t, i) => t.window.copyTo(input.subarray(i * sequenceSize, (i + 1) * sequenceSize)));
    const outputs = await backend.run(entry.id, {
      [entry.input.name]: {
        data: input.subarray(0, group.length * sequenceSize),
        dims: [group.length, entry.window, featureSize],
      },
    });
    const out = outputs[entry.output];
    const perFace = entry.labels.length;
    if (!out || out.data.length !== group.length * perFace) {
      throw new Error(
        `temporal model '${entry.id}': expected output '${entry.output}' with ${group.length} x ${perFace} values, ` +
          `got ${out ? out.data.length : `only ${Object.keys(outputs).join(', ')}`}`,
      );
    }
    group.forEach((t, i) => {
      const emotions = toEmotionScores(out.data.subarray(i * perFace, (i + 1) * perFace), entry);
      t.result = { emotions, top: topEmotion(emotions) };
    });
  };

  return {
    entry,

    async update(faces, timestampMs) {
      if (lastMs !== null && timestampMs < lastMs) {
        tracks = [];
      }
      lastMs = timestampMs;
      const span = (entry.window * 1000) / entry.sampleFps;
      tracks = tracks.filter((t) => timestampMs - t.lastSeenMs <= span);

      const matched = matchByIoU(tracks, faces, minIoU, (f) => faces[f]!.features !== undefined);
      const trackOf = Array.from(matched, (t): Track | undefined => tracks[t]);
      const fresh: Track[] = [];
      faces.forEach((face, f) => {
        if (!face.features) return;
        let track = trackOf[f];
        if (!track) {
          track = {
            id: nextId++,
            box: face.box,
            lastSeenMs: timestampMs,
            window: new FeatureWindow(spec),
            result: null,
          };
          tracks.push(track);
          trackOf[f] = track;
        }
        track.box = { ...face.box };
        track.lastSeenMs = timestampMs;
        if (track.window.offer(face.features, timestampMs)) fresh.push(track);
      });
      for (let first = 0; first < fresh.length; first += maxBatch) {
        await run(fresh.slice(first, first + maxBatch));
      }
      const freshIds = new Set(fresh.map((t) => t.id));
      return faces.map((_, f) => {
        const track = trackOf[f];
        if (!track?.result) return null;
        return {
          trackId: track.id,
          samples: track.window.samples,
          spanMs: track.window.coveredMs,
          fresh: freshIds.has(track.id),
          emotions: track.result.emotions,
          top: track.result.top,
        };
      });
    },

    reset() {
      tracks = [];
      lastMs = null;
    },
  };
}
