import { describe, expect, it } from 'vitest';
import type { PxBox, PxDetection } from './types.ts';
import { iou, overlapOfSmaller, suppressNested, weightedNms } from './weighted-nms.ts';

const box = (x: number, y: number, width = 10, height = 10): PxBox => ({ x, y, width, height });
const det = (b: PxBox, score: number, kp = { x: 0, y: 0 }): PxDetection => ({
  box: b,
  score,
  keypoints: [kp],
});

describe('iou', () => {
  it.each([
    ['identical', box(0, 0), box(0, 0), 1],
    ['half shifted: 50 / 150', box(0, 0), box(5, 0), 1 / 3],
    ['contained quarter: 25 / 100', box(0, 0), box(0, 0, 5, 5), 0.25],
    ['touching edges', box(0, 0), box(10, 0), 0],
    ['disjoint', box(0, 0), box(50, 50), 0],
    ['zero-area boxes', box(0, 0, 0, 0), box(0, 0, 0, 0), 0],
  ])('%s', (_name, a, b, want) => {
    expect(iou(a, b)).toBeCloseTo(want, 15);
    expect(iou(b, a)).toBeCloseTo(want, 15);
  });
});

describe('weightedNms (MediaPipe WEIGHTED)', () => {
  const A = det(box(0, 0), 0.9, { x: 0, y: 0 });
  const B = det(box(5, 0), 0.6, { x: 10, y: 10 });
  const C = det(box(100, 100), 0.7, { x: 100, y: 100 });

  it('merges a group into the score-weighted mean of corners and keypoints, keeping the best score', () => {
    // weights 0.9 and 0.6 (total 1.5): xMin (0 * .9 + 5 * .6) / 1.5 = 2, xMax (10 * .9 + 15 * .6) / 1.5 = 12.
    const [merged, other, ...rest] = weightedNms([B, C, A], 0.3);
    expect(rest).toEqual([]);
    expect(merged?.score).toBe(0.9);
    expect(merged?.box.x).toBeCloseTo(2, 12);
    expect(merged?.box.y).toBeCloseTo(0, 12);
    expect(merged?.box.width).toBeCloseTo(10, 12);
    expect(merged?.box.height).toBeCloseTo(10, 12);
    expect(merged?.keypoints[0]?.x).toBeCloseTo(4, 12);
    expect(merged?.keypoints[0]?.y).toBeCloseTo(4, 12);
    expect(other).toEqual(C);
  });

  it.each([
    ['IoU 1/3 > 0.3 merges A and B', 0.3, [0.9, 0.7]],
    ['IoU 1/3 is not > 0.4: all kept, by score', 0.4, [0.9, 0.7, 0.6]],
    ['IoU equal to the threshold does not merge', 1 / 3, [0.9, 0.7, 0.6]],
  ])('%s', (_name, threshold, scores) => {
    expect(weightedNms([A, B, C], threshold).map((d) => d.score)).toEqual(scores);
  });

  it('groups only with the best box of the round, not transitively', () => {
    const first = det(box(0, 0), 0.9);
    const middle = det(box(5, 0), 0.8); // IoU 1/3 with first
    const far = det(box(10, 0), 0.7); // touches first (IoU 0), overlaps middle
    expect(weightedNms([far, middle, first], 0.3).map((d) => d.score)).toEqual([0.9, 0.7]);
  });

  it('leaves its input untouched and copies single detections', () => {
    const input = [C, A];
    const out = weightedNms(input, 0.3);
    expect(input).toEqual([C, A]);
    expect(out[0]).toEqual(A);
    expect(out[0]).not.toBe(A);
  });

  it('returns [] for no detections and throws on a bad threshold', () => {
    expect(weightedNms([], 0.3)).toEqual([]);
    expect(() => weightedNms([A], 1.5)).toThrow('iouThreshold must be within 0..1');
  });
});

describe('suppressNested', () => {
  const det = (x: number, y: number, size: number, score: number): PxDetection => ({
    box: { x, y, width: size, height: size },
    score,
    keypoints: [],
  });

  it.each([
    // The dlib photo 2008_007676: full-range's 38 px box inside short-range's loose 73 px one (IoU 0.27).
    [
      'a small box wholly inside a better large one',
      [det(364, 131, 38, 0.89), det(350, 121, 73, 0.55)],
      [0.89],
    ],
    ['a large box around a better small one', [det(350, 121, 73, 0.9), det(364, 131, 38, 0.6)], [0.9]],
    ['two neighbouring faces that touch', [det(0, 0, 50, 0.9), det(45, 0, 50, 0.8)], [0.9, 0.8]],
    ['faces far apart', [det(0, 0, 50, 0.9), det(200, 0, 50, 0.8)], [0.9, 0.8]],
    ['exactly the threshold (kept)', [det(0, 0, 10, 0.9), det(4, 0, 10, 0.8)], [0.9, 0.8]],
  ])('%s', (_what, input, scores) => {
    expect(suppressNested(input, 0.6).map((d) => d.score)).toEqual(scores);
  });

  it.each([
    [{ x: 0, y: 0, width: 10, height: 10 }, { x: 2, y: 2, width: 4, height: 4 }, 1],
    [{ x: 0, y: 0, width: 10, height: 10 }, { x: 5, y: 0, width: 10, height: 10 }, 0.5],
    [{ x: 0, y: 0, width: 10, height: 10 }, { x: 10, y: 0, width: 10, height: 10 }, 0],
  ])('overlapOfSmaller(%o, %o) = %f', (a, b, expected) => {
    expect(overlapOfSmaller(a, b)).toBeCloseTo(expected, 12);
  });
});
