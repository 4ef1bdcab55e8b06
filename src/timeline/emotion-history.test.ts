import { describe, expect, it } from 'vitest';
import { EMOTIONS, type EmotionScores } from '../ml/emotions.ts';
import { EmotionHistory, type HistoryFace } from './emotion-history.ts';

function scores(top: (typeof EMOTIONS)[number], p: number): EmotionScores {
  const rest = (1 - p) / (EMOTIONS.length - 1);
  return Object.fromEntries(EMOTIONS.map((e) => [e, e === top ? p : rest])) as EmotionScores;
}
const face = (id: number, emotions: EmotionScores, side = 100): HistoryFace => ({
  id,
  emotions,
  box: { width: side, height: side },
});

describe('EmotionHistory', () => {
  it('averages each face over a bucket and keeps the last frame times of the bucket', () => {
    const h = new EmotionHistory({ bucketMs: 500 });
    h.record([face(1, scores('happiness', 0.8))], 1.0, 10_000);
    h.record([face(1, scores('happiness', 0.6))], 1.2, 10_200);
    expect(h.size).toBe(0);
    // The bucket still filling is included in samples().
    expect(h.samples()).toHaveLength(1);
    h.record([face(1, scores('sadness', 0.9))], 1.5, 10_500);
    expect(h.size).toBe(1);
    const [first, second] = h.samples();
    expect(first).toMatchObject({ videoTimeS: 1.2, wallTimeMs: 10_200, faceId: 1, main: true });
    expect(first!.emotions.happiness).toBeCloseTo(0.7, 6);
    expect(second).toMatchObject({ videoTimeS: 1.5, wallTimeMs: 10_500, faceId: 1 });
    expect(second!.emotions.sadness).toBeCloseTo(0.9, 6);
  });

  it('keeps one sample per face per bucket and marks the largest face as main', () => {
    const h = new EmotionHistory({ bucketMs: 500 });
    h.record([face(1, scores('neutral', 0.5), 50), face(2, scores('anger', 0.5), 120)], 0, 0);
    h.record([face(1, scores('neutral', 0.5), 50)], 0.1, 100);
    h.record([], 0.6, 600);
    const samples = h.samples();
    expect(samples.map((s) => [s.faceId, s.main])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('records a frame without faces as a gap, not as a sample', () => {
    const h = new EmotionHistory({ bucketMs: 500 });
    h.record([], 0, 0);
    h.record([], 1, 1000);
    expect(h.samples()).toEqual([]);
    expect(h.lastWallTimeMs).toBe(1000);
  });

  it('drops samples older than the window', () => {
    const h = new EmotionHistory({ bucketMs: 100, windowMs: 1000, maxSamples: 1000 });
    for (let t = 0; t <= 5000; t += 50) h.record([face(1, scores('fear', 0.5))], t / 1000, t);
    const samples = h.samples();
    expect(samples[0]!.wallTimeMs).toBeGreaterThanOrEqual(4000);
    expect(samples.at(-1)!.wallTimeMs).toBe(5000);
    expect(samples.length).toBeLessThanOrEqual(11);
  });

  it('never holds more than maxSamples, whatever the rate and the faces (the oldest go first)', () => {
    const h = new EmotionHistory({ bucketMs: 10, windowMs: 3_600_000, maxSamples: 50 });
    for (let t = 0; t < 10_000; t += 5) {
      h.record(
        [face(1, scores('fear', 0.5)), face(2, scores('surprise', 0.5)), face(3, scores('anger', 0.5))],
        t,
        t,
      );
    }
    expect(h.size).toBe(50);
    const samples = h.samples();
    // 50 stored + the 3 faces of the bucket still filling.
    expect(samples).toHaveLength(53);
    const times = samples.map((s) => s.wallTimeMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThan(9_700);
  });

  it('five minutes of 30 fps video with one face stay within 600 samples', () => {
    const h = new EmotionHistory();
    for (let t = 0; t < 5 * 60_000; t += 1000 / 30) h.record([face(7, scores('neutral', 0.9))], t / 1000, t);
    expect(h.samples().length).toBeLessThanOrEqual(601);
    expect(h.samples().length).toBeGreaterThanOrEqual(599);
  });

  it('starts over on clear', () => {
    const h = new EmotionHistory({ bucketMs: 100 });
    h.record([face(1, scores('fear', 0.5))], 0, 0);
    h.record([face(1, scores('fear', 0.5))], 0, 200);
    h.clear();
    expect(h.samples()).toEqual([]);
    expect(h.lastWallTimeMs).toBe(-Infinity);
  });

  it('refuses bad options and times, saying what it got', () => {
    expect(() => new EmotionHistory({ bucketMs: 0 })).toThrow(/bucketMs/);
    expect(() => new EmotionHistory({ bucketMs: 500, windowMs: 100 })).toThrow(/windowMs/);
    expect(() => new EmotionHistory({ maxSamples: 0 })).toThrow(/maxSamples/);
    expect(() => new EmotionHistory().record([], Number.NaN, 0)).toThrow(/finite/);
  });
});
