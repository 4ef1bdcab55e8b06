import { describe, expect, it } from 'vitest';
import { FeatureWindow } from './feature-window.ts';

/** A 2-value feature vector tagged with n, to follow it through the window. */
const f = (n: number): number[] => [n, -n];
const contents = (w: FeatureWindow): number[] => {
  const out = new Float32Array(w.spec.window * w.spec.featureSize);
  w.copyTo(out);
  return Array.from(out).filter((_, i) => i % 2 === 0);
};

describe('FeatureWindow (10 samples at 5 fps: 2 s)', () => {
  it('fills the whole window with the first sample, then shifts each new one in at the end', () => {
    const w = new FeatureWindow({ window: 4, sampleFps: 5, featureSize: 2 });
    expect(w.offer(f(1), 0)).toBe(true);
    expect(contents(w)).toEqual([1, 1, 1, 1]);
    expect(w.samples).toBe(1);
    w.offer(f(2), 200);
    w.offer(f(3), 400);
    expect(contents(w)).toEqual([1, 1, 2, 3]);
    w.offer(f(4), 600);
    w.offer(f(5), 800);
    expect(contents(w)).toEqual([2, 3, 4, 5]);
    expect(w.samples).toBe(4);
    expect(w.spanMs).toBe(800);
  });

  it.each([
    { fps: 30, frames: 61, sampled: 11 },
    { fps: 25, frames: 51, sampled: 11 },
    { fps: 5, frames: 11, sampled: 11 },
    { fps: 2, frames: 5, sampled: 5 },
  ])(
    'a $fps fps source gives 5 samples a second ($frames frames -> $sampled)',
    ({ fps, frames, sampled }) => {
      const w = new FeatureWindow({ window: 10, sampleFps: 5, featureSize: 2 });
      let count = 0;
      for (let i = 0; i < frames; i++) if (w.offer(f(i), (i * 1000) / fps)) count++;
      expect(count).toBe(sampled);
    },
  );

  it.each([
    { what: 'a first sample', fps: 5, frames: 1, coveredMs: 200 },
    { what: '3 samples at 5 fps', fps: 5, frames: 3, coveredMs: 600 },
    { what: 'a full window at 5 fps', fps: 5, frames: 10, coveredMs: 2000 },
    { what: 'a full window from a 30 fps source', fps: 30, frames: 90, coveredMs: 2000 },
    { what: 'a full window at 2.5 fps', fps: 2.5, frames: 12, coveredMs: 4000 },
  ])('covers $coveredMs ms of the stream with $what', ({ fps, frames, coveredMs }) => {
    const w = new FeatureWindow({ window: 10, sampleFps: 5, featureSize: 2 });
    expect(w.coveredMs).toBe(0);
    for (let i = 0; i < frames; i++) w.offer(f(i), (i * 1000) / fps);
    expect(w.coveredMs).toBeCloseTo(coveredMs, 6);
  });

  it('starts afresh after a gap longer than its span, or when the clock goes backwards', () => {
    const w = new FeatureWindow({ window: 3, sampleFps: 5, featureSize: 2 });
    w.offer(f(1), 0);
    w.offer(f(2), 200);
    w.offer(f(3), 1000); // 800 ms later: more than the 600 ms span
    expect(contents(w)).toEqual([3, 3, 3]);
    w.offer(f(4), 1200);
    w.offer(f(5), 400); // a seek back
    expect(contents(w)).toEqual([5, 5, 5]);
    expect(w.samples).toBe(1);
  });

  it('refuses features of the wrong size and reading before any sample', () => {
    const w = new FeatureWindow({ window: 3, sampleFps: 5, featureSize: 2 });
    expect(() => w.copyTo(new Float32Array(6))).toThrow('nothing sampled yet');
    expect(() => w.offer([1, 2, 3], 0)).toThrow('expected 2 features, got 3');
    expect(() => new FeatureWindow({ window: 0, sampleFps: 5, featureSize: 2 })).toThrow('window');
  });
});
