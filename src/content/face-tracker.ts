/**
 * Follows faces across video frames so the overlay is calm: each detection is matched to a track by box
 * overlap (src/ml/greedy-match.ts, as the temporal model's tracks), and a track's box and emotion probabilities are exponentially smoothed.
 * A track that is not seen is held for `holdMs` (one missed detection does not make a box blink) and then
 * dropped, so the overlay clears soon after the face leaves. Pure: no DOM; times come from the caller.
 * A face that carries the temporal model's result (`smoothed`, "smoothed over 2 s") shows that result as it
 * is: it is already smoothed over time, and smoothing it again would only delay it.
 */
import type { FrameFace } from '../protocol/frames.ts';
import { EMOTIONS, type Emotion, type EmotionScores } from '../ml/emotions.ts';
import type { PxBox } from '../ml/types.ts';
import { matchByIoU } from '../ml/greedy-match.ts';

export interface TrackerOptions {
  /**
   * Fraction of the previous estimate kept per reference frame (REFERENCE_FRAME_MS), 0..0.95. Boxes use half
   * of it, so they follow a moving face closely while the emotion stays steady.
   */
  smoothing: number;
  /** Minimum IoU for a detection to continue a track. */
  minIoU: number;
  /** How long a track stays visible after its face was last detected, ms. */
  holdMs: number;
  /**
   * Hysteresis of the shown emotion: the leader replaces it once the shown one has not led for
   * `switchAfterMs`, or at once when the leader leads by `switchMargin` (probability). 0 and 0: the leader is shown.
   * Defaults measured by `npm run measure:hysteresis` (README: fewer changes within a steady shot, at most
   * 0.1 s more to follow a real change).
   */
  switchAfterMs: number;
  switchMargin: number;
}

export const DEFAULT_TRACKER_OPTIONS: Readonly<TrackerOptions> = Object.freeze({
  smoothing: 0.6,
  minIoU: 0.3,
  holdMs: 500,
  switchAfterMs: 300,
  switchMargin: 0.25,
});

/** Smoothing is defined per frame at 15 fps and scaled to the actual interval, so it feels the same at any rate. */
export const REFERENCE_FRAME_MS = 1000 / 15;

export interface TrackedFace {
  readonly id: number;
  /** Smoothed box, source pixels. */
  readonly box: PxBox;
  /** Smoothed probabilities (sum 1). */
  readonly emotions: EmotionScores;
  readonly top: { emotion: Emotion; probability: number };
  /** Detector score of the latest detection. */
  readonly score: number;
  /** Timestamp when last detected, ms. */
  readonly lastSeenMs: number;
  /** Number of frames in which the face was detected. */
  readonly hits: number;
  /** The stream time the temporal model's result covers, ms, when `emotions` is that result; else null. */
  readonly smoothedSpanMs: number | null;
}

interface Track {
  id: number;
  box: PxBox;
  emotions: EmotionScores;
  top: { emotion: Emotion; probability: number };
  score: number;
  lastSeenMs: number;
  hits: number;
  smoothedSpanMs: number | null;
  /** The emotion that leads but is not shown yet; null when the shown one leads. Since: the shown one's last lead. */
  challenger: Emotion | null;
  challengerSinceMs: number;
}

function leaderOf(scores: EmotionScores): Emotion {
  let best: Emotion = EMOTIONS[0];
  for (const e of EMOTIONS) if (scores[e] > scores[best]) best = e;
  return best;
}

function topOf(scores: EmotionScores, into: { emotion: Emotion; probability: number }): void {
  into.emotion = leaderOf(scores);
  into.probability = scores[into.emotion];
}

function checkOptions(o: TrackerOptions): void {
  if (!(o.smoothing >= 0 && o.smoothing <= 0.95))
    throw new Error(`smoothing must be within 0..0.95, got ${o.smoothing}`);
  if (!(o.minIoU > 0 && o.minIoU < 1)) throw new Error(`minIoU must be within (0, 1), got ${o.minIoU}`);
  if (!(o.holdMs >= 0)) throw new Error(`holdMs must be >= 0, got ${o.holdMs}`);
  if (!(o.switchAfterMs >= 0)) throw new Error(`switchAfterMs must be >= 0, got ${o.switchAfterMs}`);
  if (!(o.switchMargin >= 0 && o.switchMargin <= 1))
    throw new Error(`switchMargin must be within 0..1, got ${o.switchMargin}`);
}

/** Size of an analysed frame, px. */
export interface FrameSize {
  width: number;
  height: number;
}

function checkFrame(frame: FrameSize): void {
  if (!(frame.width > 0 && frame.height > 0))
    throw new Error(`frame size must be positive, got ${frame.width}x${frame.height}`);
}

export class FaceTracker {
  private options: TrackerOptions;
  private tracks: Track[] = [];
  private nextId = 1;
  private lastUpdateMs: number | null = null;
  private lastFrame: FrameSize | null = null;

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = { ...DEFAULT_TRACKER_OPTIONS, ...options };
    checkOptions(this.options);
  }

  setOptions(options: Partial<TrackerOptions>): void {
    const next = { ...this.options, ...options };
    checkOptions(next);
    this.options = next;
  }

  reset(): void {
    this.tracks = [];
    this.lastUpdateMs = null;
    this.lastFrame = null;
  }

  /**
   * Feeds the faces detected in the frame at `timestampMs` (monotonic per video) and returns the faces to
   * show. A timestamp that goes backwards (seek, loop) resets the tracker. `frame` is the size of the frame
   * the boxes are in: when it changes (a WebRTC stream adapting its resolution, a new source) the tracks
   * are rescaled to it, so smoothing never mixes boxes of two sizes and a face keeps its track.
   */
  update(faces: readonly FrameFace[], timestampMs: number, frame?: FrameSize): readonly TrackedFace[] {
    if (this.lastUpdateMs !== null && timestampMs < this.lastUpdateMs) this.reset();
    if (frame) {
      checkFrame(frame);
      const last = this.lastFrame;
      if (last && (last.width !== frame.width || last.height !== frame.height)) {
        const sx = frame.width / last.width;
        const sy = frame.height / last.height;
        for (const { box } of this.tracks) {
          box.x *= sx;
          box.width *= sx;
          box.y *= sy;
          box.height *= sy;
        }
      }
      this.lastFrame = { width: frame.width, height: frame.height };
    }
    const dtMs = this.lastUpdateMs === null ? REFERENCE_FRAME_MS : timestampMs - this.lastUpdateMs;
    this.lastUpdateMs = timestampMs;
    const keep = this.options.smoothing ** Math.max(0, dtMs / REFERENCE_FRAME_MS);
    const keepBox = (this.options.smoothing / 2) ** Math.max(0, dtMs / REFERENCE_FRAME_MS);

    const trackOf = matchByIoU(this.tracks, faces, this.options.minIoU);
    for (let f = 0; f < faces.length; f++) {
      const t = trackOf[f]!;
      if (t === -1) continue;
      const track = this.tracks[t]!;
      const face = faces[f]!;
      const b = track.box;
      b.x = keepBox * b.x + (1 - keepBox) * face.box.x;
      b.y = keepBox * b.y + (1 - keepBox) * face.box.y;
      b.width = keepBox * b.width + (1 - keepBox) * face.box.width;
      b.height = keepBox * b.height + (1 - keepBox) * face.box.height;
      if (face.smoothed) {
        for (const e of EMOTIONS) track.emotions[e] = face.smoothed.emotions[e];
      } else {
        let sum = 0;
        for (const e of EMOTIONS) {
          track.emotions[e] = keep * track.emotions[e] + (1 - keep) * face.emotions[e];
          sum += track.emotions[e];
        }
        if (sum > 0) for (const e of EMOTIONS) track.emotions[e] /= sum;
      }
      track.smoothedSpanMs = face.smoothed?.spanMs ?? null;
      this.updateShown(track, timestampMs);
      track.score = face.score;
      track.lastSeenMs = timestampMs;
      track.hits++;
    }
    for (let f = 0; f < faces.length; f++) {
      if (trackOf[f] !== -1) continue;
      const face = faces[f]!;
      const emotions = { ...(face.smoothed ?? face).emotions };
      const top = { emotion: face.top.emotion, probability: face.top.probability };
      topOf(emotions, top);
      this.tracks.push({
        id: this.nextId++,
        box: { ...face.box },
        emotions,
        top,
        score: face.score,
        lastSeenMs: timestampMs,
        hits: 1,
        smoothedSpanMs: face.smoothed?.spanMs ?? null,
        challenger: null,
        challengerSinceMs: timestampMs,
      });
    }
    this.tracks = this.tracks.filter((t) => timestampMs - t.lastSeenMs <= this.options.holdMs);
    return this.tracks;
  }

  /**
   * The shown emotion with hysteresis: the leader replaces it after leading for switchAfterMs, or at once by
   * switchMargin; the shown probability is always the shown emotion's current one (text, colour and bars
   * come from the same smoothed result).
   */
  private updateShown(track: Track, timestampMs: number): void {
    const { switchAfterMs, switchMargin } = this.options;
    const leader = leaderOf(track.emotions);
    const shown = track.top.emotion;
    if (leader === shown) {
      track.challenger = null;
    } else {
      // Since when the shown emotion has not led (whichever others took turns): a shown emotion that two
      // others overtake in turn must not stay forever.
      if (track.challenger === null) track.challengerSinceMs = timestampMs;
      track.challenger = leader;
      const lead = track.emotions[leader] - track.emotions[shown];
      if (lead >= switchMargin || timestampMs - track.challengerSinceMs >= switchAfterMs) {
        track.top.emotion = leader;
        track.challenger = null;
      }
    }
    track.top.probability = track.emotions[track.top.emotion];
  }

  /** The faces currently shown (after the last update). */
  get faces(): readonly TrackedFace[] {
    return this.tracks;
  }
}
