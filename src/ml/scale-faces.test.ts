import { describe, expect, it } from 'vitest';
import { scaleFaces } from './scale-faces.ts';

const face = { box: { x: 10, y: 20, width: 30, height: 40 }, keypoints: [{ x: 15, y: 25 }], score: 0.9 };

describe('scaleFaces', () => {
  it.each([
    [2, 2, { x: 20, y: 40, width: 60, height: 80 }, { x: 30, y: 50 }],
    [0.5, 0.5, { x: 5, y: 10, width: 15, height: 20 }, { x: 7.5, y: 12.5 }],
    [2, 3, { x: 20, y: 60, width: 60, height: 120 }, { x: 30, y: 75 }],
  ])('scales by %d x %d', (sx, sy, box, keypoint) => {
    const [scaled] = scaleFaces([face], sx, sy);
    expect(scaled).toEqual({ ...face, box, keypoints: [keypoint] });
  });

  it('returns the same array for factor 1 and leaves the input alone', () => {
    const faces = [face];
    expect(scaleFaces(faces, 1)).toBe(faces);
    scaleFaces(faces, 2);
    expect(face.box.x).toBe(10);
  });

  it('rejects factors that are not positive', () => {
    expect(() => scaleFaces([face], 0)).toThrow(/must be positive/);
    expect(() => scaleFaces([face], 1, Number.NaN)).toThrow(/must be positive/);
  });
});
