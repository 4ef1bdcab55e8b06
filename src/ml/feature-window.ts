/**
 * The last `window` feature vectors of one face, sampled at `sampleFps`: the input of a temporal model
 * (manifest.ts TemporalEntry; EMO-AffectNet's LSTM reads 10 at 5 fps, i.e. 2 s).
 *
 * - Sampling: a frame is sampled when it falls in a later 1/sampleFps slot of the stream's clock than the
 *   last sample (slot = floor(timestampMs * sampleFps / 1000)), so any source at or above sampleFps gives
 *   exactly sampleFps samples a second, and a slower one gives every frame.
 * - Filling: the first sample fills the whole window, and each later one shifts in at the end (the
 *   authors' webcam code: `lstm_features = [features] * 10`, then `lstm_features[1:] + [features]`), so a
 *   result exists from the first sample and `samples` says how much of the window is real.
 * - A gap longer than the window's span, or a clock that goes backwards (a seek), starts afresh.
 * Pure; allocates its buffer once.
 */
export interface FeatureWindowSpec {
  window: number;
  sampleFps: number;
  featureSize: number;
}

export class FeatureWindow {
  /** window x featureSize, oldest first. */
  private readonly values: Float32Array;
  /** The sample times, ms, aligned with `values` (the last `samples` are real). */
  private readonly times: Float64Array;
  private lastSlot: number | null = null;
  private lastSampleMs = 0;
  /** Real samples in the window (0..window). */
  samples = 0;

  constructor(readonly spec: FeatureWindowSpec) {
    const { window, sampleFps, featureSize } = spec;
    if (!Number.isInteger(window) || window < 1)
      throw new Error(`window must be a positive integer, got ${window}`);
    if (!(sampleFps > 0)) throw new Error(`sampleFps must be positive, got ${sampleFps}`);
    if (!Number.isInteger(featureSize) || featureSize < 1) {
      throw new Error(`featureSize must be a positive integer, got ${featureSize}`);
    }
    this.values = new Float32Array(window * featureSize);
    this.times = new Float64Array(window);
  }

  /** The span of a full window, ms (2000 for 10 samples at 5 fps). */
  get spanMs(): number {
    return (this.spec.window * 1000) / this.spec.sampleFps;
  }

  /**
   * The time the real samples cover, ms: one sample interval each, measured on the stream's clock (the
   * spread of their times times n / (n - 1)), so a full window at 5 fps gives 2000, one at 2.5 fps 4000,
   * and a filling one less; 1000 / sampleFps for a single sample, 0 before any.
   */
  get coveredMs(): number {
    const n = this.samples;
    if (n === 0) return 0;
    if (n === 1) return 1000 / this.spec.sampleFps;
    const { window } = this.spec;
    return ((this.times[window - 1]! - this.times[window - n]!) * n) / (n - 1);
  }

  /** Offers the features of the frame at `timestampMs`; returns whether they were sampled. */
  offer(features: ArrayLike<number>, timestampMs: number): boolean {
    const { window, sampleFps, featureSize } = this.spec;
    if (features.length !== featureSize) {
      throw new Error(`feature window: expected ${featureSize} features, got ${features.length}`);
    }
    const slot = Math.floor((timestampMs * sampleFps) / 1000);
    if (
      this.lastSlot !== null &&
      (timestampMs < this.lastSampleMs || timestampMs - this.lastSampleMs > this.spanMs)
    ) {
      this.reset();
    }
    if (this.lastSlot !== null && slot <= this.lastSlot) return false;
    if (this.samples === 0) {
      for (let t = 0; t < window; t++) this.values.set(features, t * featureSize);
    } else {
      this.values.copyWithin(0, featureSize);
      this.values.set(features, (window - 1) * featureSize);
    }
    this.times.copyWithin(0, 1);
    this.times[window - 1] = timestampMs;
    this.samples = Math.min(window, this.samples + 1);
    this.lastSlot = slot;
    this.lastSampleMs = timestampMs;
    return true;
  }

  /** Copies the window (oldest first) into `out` (window x featureSize values). */
  copyTo(out: Float32Array): void {
    if (this.samples === 0) throw new Error('feature window: nothing sampled yet');
    out.set(this.values);
  }

  reset(): void {
    this.samples = 0;
    this.lastSlot = null;
  }
}
