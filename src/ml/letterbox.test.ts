import { describe, expect, it } from 'vitest';
import {
  computeLetterbox,
  letterboxDetectionToSource,
  letterboxPointToSource,
  letterboxToTensor,
  sourcePointToLetterbox,
} from './letterbox.ts';
import type { PixelNormalization } from './resize.ts';
import type { RgbaImage } from './types.ts';

const white = (width: number, height: number): RgbaImage => ({
  width,
  height,
  data: new Uint8ClampedArray(width * height * 4).fill(255),
});

/** BlazeFace's normalisation: x / 127.5 - 1 (MODELS.md section 1). */
const MINUS_ONE_TO_ONE: PixelNormalization = {
  color: 'rgb',
  scale: 1 / 127.5,
  mean: [1, 1, 1],
  std: [1, 1, 1],
};

describe('computeLetterbox', () => {
  it.each([
    ['landscape 256x128', { x: 0, y: 0, width: 256, height: 128 }, 0.5, 0, 32],
    ['portrait 100x200', { x: 0, y: 0, width: 100, height: 200 }, 0.64, 32, 0],
    ['square 128x128', { x: 0, y: 0, width: 128, height: 128 }, 1, 0, 0],
    ['a tile 64x64 at (50, 20)', { x: 50, y: 20, width: 64, height: 64 }, 2, 0, 0],
    [
      '300x100 (fractional border)',
      { x: 0, y: 0, width: 300, height: 100 },
      128 / 300,
      0,
      (128 - 12800 / 300) / 2,
    ],
  ])('%s', (_name, region, scale, offsetX, offsetY) => {
    const lb = computeLetterbox(region, 128, 128);
    expect(lb.scale).toBeCloseTo(scale, 12);
    expect(lb.offsetX).toBeCloseTo(offsetX, 12);
    expect(lb.offsetY).toBeCloseTo(offsetY, 12);
  });

  it.each([
    ['an empty region', { x: 0, y: 0, width: 0, height: 10 }, 128, 'positive size'],
    ['a fractional tensor size', { x: 0, y: 0, width: 10, height: 10 }, 12.5, 'positive integer tensor size'],
  ])('throws on %s', (_name, region, size, message) => {
    expect(() => computeLetterbox(region, size, size)).toThrow(message);
  });
});

describe('letterboxToTensor: the border is black (-1), as MediaPipe BORDER_ZERO', () => {
  it('4x2 white into 4x4: rows 0 and 3 are border (-1), rows 1-2 image (1)', () => {
    const lb = computeLetterbox({ x: 0, y: 0, width: 4, height: 2 }, 4, 4);
    const data = new Float32Array(4 * 4 * 3);
    letterboxToTensor(
      white(4, 2),
      lb,
      { data, width: 4, height: 4, layout: 'NHWC', pixels: MINUS_ONE_TO_ONE },
      {
        resize: 'bilinear',
      },
    );
    const firstChannelByRow = [0, 1, 2, 3].map((v) => [0, 1, 2, 3].map((u) => data[(v * 4 + u) * 3]));
    expect(firstChannelByRow).toEqual([
      [-1, -1, -1, -1],
      [1, 1, 1, 1],
      [1, 1, 1, 1],
      [-1, -1, -1, -1],
    ]);
  });

  it('3x2 white into 4x4 (fractional border 2/3 px): edge rows blend with black', () => {
    // scale 4/3, offsetY 2/3: row 0 samples y = -0.125 -> 0.375 of a white row -> 95.625 -> -0.25.
    const lb = computeLetterbox({ x: 0, y: 0, width: 3, height: 2 }, 4, 4);
    const data = new Float32Array(4 * 4);
    const pixels: PixelNormalization = {
      color: 'gray',
      grayWeights: [1, 0, 0],
      scale: 1 / 127.5,
      mean: [1],
      std: [1],
    };
    letterboxToTensor(
      white(3, 2),
      lb,
      { data, width: 4, height: 4, layout: 'NHWC', pixels },
      { resize: 'bilinear' },
    );
    const column1 = [0, 1, 2, 3].map((v) => data[v * 4 + 1] ?? Number.NaN);
    [-0.25, 1, 1, -0.25].forEach((want, i) => expect(column1[i]).toBeCloseTo(want, 6));
  });

  it('throws when the tensor does not match the letterbox', () => {
    const lb = computeLetterbox({ x: 0, y: 0, width: 4, height: 4 }, 4, 4);
    const target = {
      data: new Float32Array(8 * 8 * 3),
      width: 8,
      height: 8,
      layout: 'NHWC' as const,
      pixels: MINUS_ONE_TO_ONE,
    };
    expect(() => letterboxToTensor(white(4, 4), lb, target, { resize: 'bilinear' })).toThrow(
      'letterbox is 4x4',
    );
  });
});

describe('letterbox inverse: letterboxed space -> source pixels', () => {
  const landscape = computeLetterbox({ x: 0, y: 0, width: 256, height: 128 }, 128, 128); // scale 0.5, offsetY 32
  const padded = computeLetterbox({ x: -128, y: -64, width: 512, height: 256 }, 128, 128); // 256x128 padded 2x
  it.each([
    ['centre', landscape, { x: 0.5, y: 0.5 }, { x: 128, y: 64 }],
    ['top-left of the image', landscape, { x: 0, y: 0.25 }, { x: 0, y: 0 }],
    ['bottom-right of the image', landscape, { x: 1, y: 0.75 }, { x: 256, y: 128 }],
    ['top border maps above the image', landscape, { x: 0, y: 0 }, { x: 0, y: -64 }],
    ['padded 2x: centre', padded, { x: 0.5, y: 0.5 }, { x: 128, y: 64 }],
    ['padded 2x: image top-left', padded, { x: 0.25, y: 0.375 }, { x: 0, y: 0 }],
  ])('%s', (_name, lb, p, want) => {
    expect(letterboxPointToSource(p, lb)).toEqual(want);
    expect(sourcePointToLetterbox(want, lb)).toEqual(p);
  });

  it('maps a detection box and its keypoints', () => {
    const det = {
      box: { xMin: 0.25, yMin: 0.375, width: 0.5, height: 0.25 },
      score: 0.9,
      keypoints: [{ x: 0.5, y: 0.5 }],
    };
    expect(letterboxDetectionToSource(det, landscape)).toEqual({
      box: { x: 64, y: 32, width: 128, height: 64 },
      score: 0.9,
      keypoints: [{ x: 128, y: 64 }],
    });
  });
});
