import { describe, expect, it } from 'vitest';
import { EMOTIONS, type EmotionScores } from '../ml/emotions.ts';
import { chartLines, mainFaceSamples } from './chart-lines.ts';
import type { TimelineSample } from './emotion-history.ts';

const emotions = (happiness: number): EmotionScores => ({
  neutral: 1 - happiness,
  happiness,
  sadness: 0,
  surprise: 0,
  fear: 0,
  disgust: 0,
  anger: 0,
});
const sample = (wallTimeMs: number, happiness: number, main = true, faceId = 1): TimelineSample => ({
  videoTimeS: wallTimeMs / 1000,
  wallTimeMs,
  faceId,
  main,
  emotions: emotions(happiness),
});

describe('chartLines', () => {
  it('draws one path per emotion, time left to right, probability bottom to top', () => {
    const lines = chartLines(
      [sample(0, 0), sample(500, 0.5), sample(1000, 1)],
      { width: 100, height: 50 },
      1500,
    )!;
    expect(lines.paths.map((p) => p.emotion)).toEqual(EMOTIONS);
    expect(lines.paths[1]).toEqual({ emotion: 'happiness', d: 'M0 50L50 25L100 0' });
    expect(lines.paths[0]!.d).toBe('M0 0L50 25L100 50');
    expect(lines).toMatchObject({ fromMs: 0, toMs: 1000, fromVideoS: 0, toVideoS: 1, points: 3 });
  });

  it('breaks the lines at gaps longer than gapMs, and draws a lone sample as a dot', () => {
    const lines = chartLines(
      [sample(0, 0), sample(500, 0), sample(5000, 0)],
      { width: 100, height: 10 },
      1500,
    )!;
    expect(lines.paths[1]!.d).toBe('M0 10L10 10M100 10h0');
    expect(chartLines([sample(0, 1)], { width: 100, height: 10 }, 1500)!.paths[1]!.d).toBe('M100 0h0');
  });

  it('draws nothing without samples', () => {
    expect(chartLines([], { width: 100, height: 10 }, 1500)).toBeNull();
  });

  it('follows the main face of each bucket', () => {
    const samples = [sample(0, 0.1, true, 1), sample(0, 0.9, false, 2), sample(500, 0.2, true, 5)];
    expect(mainFaceSamples(samples).map((s) => s.faceId)).toEqual([1, 5]);
  });
});
