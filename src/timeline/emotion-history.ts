/**
 * A bounded emotion history of one video, for the popup's timeline and its exports. Each analysed frame's
 * tracked faces (smoothed probabilities, FaceTracker ids) are averaged per face over wall-clock buckets of
 * `bucketMs`; a finished bucket becomes one sample per face. Samples older than `windowMs` are dropped, and
 * a ring of `maxSamples` caps memory whatever the frame rate or number of faces (the oldest go first).
 * Defaults: 500 ms buckets over 5 minutes, so 600 samples per face and room for 4 faces in ~100 KB of typed
 * arrays, allocated once. The face drawn largest in a bucket is marked `main` (the chart follows it: a
 * face's tracker id changes when the video loops or seeks, its size does not).
 */
import { EMOTIONS, type EmotionScores } from '../ml/emotions.ts';

export interface HistoryOptions {
  /** Samples older than this (wall clock, from the newest) are dropped, ms. */
  windowMs: number;
  /** One sample per face per bucket of this length, ms. */
  bucketMs: number;
  /** At most this many samples are kept, all faces together. */
  maxSamples: number;
}

export const DEFAULT_HISTORY_OPTIONS: Readonly<HistoryOptions> = Object.freeze({
  windowMs: 5 * 60_000,
  bucketMs: 500,
  maxSamples: 2400,
});

/** What the history needs of a tracked face (FaceTracker's TrackedFace satisfies it). */
export interface HistoryFace {
  readonly id: number;
  readonly emotions: EmotionScores;
  readonly box: { readonly width: number; readonly height: number };
}

export interface TimelineSample {
  /** The video's currentTime at the bucket's last frame, s. */
  videoTimeS: number;
  /** Wall-clock time of the bucket's last frame of this face, ms since the epoch. */
  wallTimeMs: number;
  faceId: number;
  /** The largest face of its bucket. */
  main: boolean;
  /** Mean of the smoothed probabilities over the bucket. */
  emotions: EmotionScores;
}

export interface VideoTimeline {
  /** The video's URL (currentSrc), or `mediastream:<id>` for a call tile: its key in `videos`. */
  src: string;
  /** What the user sees it as: its title, a call tile's participant, or "Video 2 of 3 on example.com". */
  name: string;
  /** Every video of the frame that has a timeline, to pick from (this one included). */
  videos: { src: string; name: string }[];
  bucketMs: number;
  windowMs: number;
  /** Oldest first; the newest bucket, still filling, is included. */
  samples: TimelineSample[];
}

interface Pending {
  frames: number;
  sums: Float64Array;
  areaSum: number;
  videoTimeS: number;
  wallTimeMs: number;
}

const N = EMOTIONS.length;

function checkOptions(o: HistoryOptions): void {
  if (!(o.bucketMs > 0)) throw new Error(`bucketMs must be > 0, got ${o.bucketMs}`);
  if (!(o.windowMs >= o.bucketMs)) throw new Error(`windowMs must be >= bucketMs, got ${o.windowMs}`);
  if (!(Number.isInteger(o.maxSamples) && o.maxSamples >= 1))
    throw new Error(`maxSamples must be an integer >= 1, got ${o.maxSamples}`);
}

export class EmotionHistory {
  readonly options: HistoryOptions;
  private readonly emotions: Float32Array;
  private readonly videoTimes: Float64Array;
  private readonly wallTimes: Float64Array;
  private readonly faceIds: Int32Array;
  private readonly mains: Uint8Array;
  private start = 0;
  private count = 0;
  private bucket: number | null = null;
  private readonly pending = new Map<number, Pending>();
  private readonly spare: Pending[] = [];
  private newestWallMs = -Infinity;

  constructor(options: Partial<HistoryOptions> = {}) {
    this.options = { ...DEFAULT_HISTORY_OPTIONS, ...options };
    checkOptions(this.options);
    const cap = this.options.maxSamples;
    this.emotions = new Float32Array(cap * N);
    this.videoTimes = new Float64Array(cap);
    this.wallTimes = new Float64Array(cap);
    this.faceIds = new Int32Array(cap);
    this.mains = new Uint8Array(cap);
  }

  /** Stored samples (finished buckets), not counting the bucket still filling. */
  get size(): number {
    return this.count;
  }

  /** Wall time of the latest recorded frame, ms (-Infinity before any). */
  get lastWallTimeMs(): number {
    return this.newestWallMs;
  }

  /** Records the faces of one analysed frame (none: the video shows no face then, a gap in the chart). */
  record(faces: readonly HistoryFace[], videoTimeS: number, wallTimeMs: number): void {
    if (!Number.isFinite(videoTimeS) || !Number.isFinite(wallTimeMs)) {
      throw new Error(
        `record: times must be finite numbers, got video ${videoTimeS} s, wall ${wallTimeMs} ms`,
      );
    }
    const bucket = Math.floor(wallTimeMs / this.options.bucketMs);
    if (this.bucket !== null && bucket !== this.bucket) this.flush();
    this.bucket = bucket;
    this.newestWallMs = wallTimeMs;
    for (const face of faces) {
      let p = this.pending.get(face.id);
      if (!p) {
        p = this.spare.pop() ?? {
          frames: 0,
          sums: new Float64Array(N),
          areaSum: 0,
          videoTimeS: 0,
          wallTimeMs: 0,
        };
        p.frames = 0;
        p.sums.fill(0);
        p.areaSum = 0;
        this.pending.set(face.id, p);
      }
      p.frames++;
      for (let i = 0; i < N; i++) p.sums[i]! += face.emotions[EMOTIONS[i]!];
      p.areaSum += face.box.width * face.box.height;
      p.videoTimeS = videoTimeS;
      p.wallTimeMs = wallTimeMs;
    }
    this.prune(wallTimeMs - this.options.windowMs);
  }

  /** Everything kept, oldest first, with the bucket still filling at the end. */
  samples(): TimelineSample[] {
    const out: TimelineSample[] = [];
    const cap = this.options.maxSamples;
    for (let k = 0; k < this.count; k++) {
      const i = (this.start + k) % cap;
      const emotions = {} as EmotionScores;
      for (let e = 0; e < N; e++) emotions[EMOTIONS[e]!] = this.emotions[i * N + e]!;
      out.push({
        videoTimeS: this.videoTimes[i]!,
        wallTimeMs: this.wallTimes[i]!,
        faceId: this.faceIds[i]!,
        main: this.mains[i] === 1,
        emotions,
      });
    }
    const main = this.mainPending();
    for (const [faceId, p] of this.pending) {
      const emotions = {} as EmotionScores;
      for (let e = 0; e < N; e++) emotions[EMOTIONS[e]!] = p.sums[e]! / p.frames;
      out.push({
        videoTimeS: p.videoTimeS,
        wallTimeMs: p.wallTimeMs,
        faceId,
        main: faceId === main,
        emotions,
      });
    }
    return out;
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
    this.bucket = null;
    for (const p of this.pending.values()) this.spare.push(p);
    this.pending.clear();
    this.newestWallMs = -Infinity;
  }

  private mainPending(): number | null {
    let main: number | null = null;
    let best = -Infinity;
    for (const [id, p] of this.pending) {
      const area = p.areaSum / p.frames;
      if (area > best) {
        best = area;
        main = id;
      }
    }
    return main;
  }

  private flush(): void {
    const main = this.mainPending();
    const cap = this.options.maxSamples;
    for (const [faceId, p] of this.pending) {
      let i: number;
      if (this.count < cap) {
        i = (this.start + this.count) % cap;
        this.count++;
      } else {
        i = this.start;
        this.start = (this.start + 1) % cap;
      }
      for (let e = 0; e < N; e++) this.emotions[i * N + e] = p.sums[e]! / p.frames;
      this.videoTimes[i] = p.videoTimeS;
      this.wallTimes[i] = p.wallTimeMs;
      this.faceIds[i] = faceId;
      this.mains[i] = faceId === main ? 1 : 0;
      this.spare.push(p);
    }
    this.pending.clear();
  }

  private prune(oldestWallMs: number): void {
    const cap = this.options.maxSamples;
    while (this.count > 0 && this.wallTimes[this.start]! < oldestWallMs) {
      this.start = (this.start + 1) % cap;
      this.count--;
    }
  }
}
