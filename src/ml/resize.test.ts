import { describe, expect, it } from 'vitest';
import type { Layout } from './manifest.ts';
import {
  MAX_ANTIALIAS_TAPS,
  type PixelNormalization,
  type SampleGrid,
  antialiasTaps,
  assertPixelNormalization,
  rectGrid,
  resampleToTensor,
} from './resize.ts';
import type { RgbaImage } from './types.ts';

/** An image from [r, g, b] pixels, row-major; alpha 0 (it must be ignored). */
function image(width: number, height: number, pixels: [number, number, number][]): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  pixels.forEach(([r, g, b], i) => data.set([r, g, b, 0], i * 4));
  return { width, height, data };
}
const row = (values: number[]) =>
  image(
    values.length,
    1,
    values.map((v) => [v, v, v]),
  );

const RAW: PixelNormalization = { color: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 1, 1] };
const RED: PixelNormalization = { color: 'gray', grayWeights: [1, 0, 0], scale: 1, mean: [0], std: [1] };

function run(img: RgbaImage, grid: SampleGrid, w: number, h: number, pixels = RED, layout: Layout = 'NHWC') {
  const data = new Float32Array(w * h * (pixels.color === 'gray' ? 1 : 3));
  resampleToTensor(img, grid, { data, width: w, height: h, layout, pixels });
  return Array.from(data);
}

describe('resampleToTensor: 1-D sampling conventions (hand-computed)', () => {
  // Source row [40, 100]; upscaling x2: half_pixel positions 0.25, 0.75, 1.25, 1.75 (bilinear at -0.25 ..
  // 1.25); asymmetric positions 0, 0.5, 1, 1.5 (tf.image.resizeBilinear, alignCorners=false).
  const src = row([40, 100]);
  const whole = { x: 0, y: 0, width: 2, height: 1 };
  const inside = { x0: 0, y0: 0, x1: 1, y1: 0 };
  it.each([
    ['bilinear half_pixel, clamped (replicate)', 'bilinear', 'half_pixel', inside, [40, 55, 85, 100]],
    ['bilinear half_pixel, zero border', 'bilinear', 'half_pixel', undefined, [30, 55, 85, 75]],
    ['bilinear asymmetric, clamped (tfjs)', 'bilinear', 'asymmetric', inside, [40, 70, 100, 100]],
    ['nearest half_pixel (Pillow)', 'nearest', 'half_pixel', inside, [40, 40, 100, 100]],
    ['nearest asymmetric (tf)', 'nearest', 'asymmetric', inside, [40, 40, 100, 100]],
  ] as const)('%s', (_name, mode, transform, clamp, expected) => {
    expect(run(src, rectGrid(whole, 4, 1, mode, transform, clamp), 4, 1)).toEqual(expected);
  });

  // Downscaling [10, 20, 30, 40] by 2: half_pixel samples at 1 and 3, asymmetric at 0 and 2.
  const four = row([10, 20, 30, 40]);
  const wide = { x: 0, y: 0, width: 4, height: 1 };
  it.each([
    ['bilinear half_pixel', 'bilinear', 'half_pixel', [15, 35]],
    ['bilinear asymmetric', 'bilinear', 'asymmetric', [10, 30]],
    ['nearest half_pixel (Pillow: floor((u + 0.5) * 2))', 'nearest', 'half_pixel', [20, 40]],
    ['nearest asymmetric (tf: floor(u * 2))', 'nearest', 'asymmetric', [10, 30]],
  ] as const)('downscale, %s', (_name, mode, transform, expected) => {
    expect(run(four, rectGrid(wide, 2, 1, mode, transform), 2, 1)).toEqual(expected);
  });

  it('identity grids copy pixels exactly under both conventions', () => {
    const src3 = row([7, 99, 255]);
    const rect = { x: 0, y: 0, width: 3, height: 1 };
    for (const transform of ['half_pixel', 'asymmetric'] as const) {
      for (const mode of ['bilinear', 'nearest'] as const) {
        expect(run(src3, rectGrid(rect, 3, 1, mode, transform), 3, 1)).toEqual([7, 99, 255]);
      }
    }
  });
});

describe('resampleToTensor: 2-D bilinear', () => {
  // [[0, 100], [200, 40]]: the centre is top 50, bottom 120 -> 85.
  const square = image(2, 2, [
    [0, 0, 0],
    [100, 0, 0],
    [200, 0, 0],
    [40, 0, 0],
  ]);
  const rect = { x: 0, y: 0, width: 2, height: 2 };
  it.each([
    ['half_pixel samples the centre', 'half_pixel', [85]],
    ['asymmetric samples the top-left pixel', 'asymmetric', [0]],
  ] as const)('to 1x1: %s', (_name, transform, expected) => {
    expect(run(square, rectGrid(rect, 1, 1, 'bilinear', transform), 1, 1)).toEqual(expected);
  });

  it('to 3x3 asymmetric equals tf.image.resizeBilinear (values from tfjs-backend-cpu 4.9)', () => {
    const got = run(
      square,
      rectGrid(rect, 3, 3, 'bilinear', 'asymmetric', { x0: 0, y0: 0, x1: 1, y1: 1 }),
      3,
      3,
    );
    const tfjs = [
      0, 66.66666412353516, 100, 133.3333282470703, 84.44444274902344, 60, 200, 93.33333587646484, 40,
    ];
    got.forEach((v, i) => expect(v).toBeCloseTo(tfjs[i] ?? Number.NaN, 4));
  });

  it('a window makes the pixels outside it read 0', () => {
    const grid = { ...rectGrid(rect, 2, 2, 'nearest', 'half_pixel'), window: { x0: 1, y0: 0, x1: 1, y1: 1 } };
    expect(run(square, grid, 2, 2)).toEqual([0, 100, 0, 40]);
  });
});

describe('resampleToTensor: antialiased bilinear (box filter over the footprint)', () => {
  const antialiased = (grid: SampleGrid): SampleGrid => ({ ...grid, antialias: true });

  it("averages each output pixel's whole footprint when shrinking (hand-computed)", () => {
    // [0, 90, 0, 0, 0, 0, 0, 0] into 2: plain bilinear reads around 1.5 (index between 1 and 2): 45 and 0;
    // the footprints [0, 4) and [4, 8) average to 22.5 and 0.
    const src = row([0, 90, 0, 0, 0, 0, 0, 0]);
    const grid = rectGrid({ x: 0, y: 0, width: 8, height: 1 }, 2, 1, 'bilinear', 'half_pixel', {
      x0: 0,
      y0: 0,
      x1: 7,
      y1: 0,
    });
    expect(run(src, grid, 2, 1)).toEqual([45, 0]);
    expect(run(src, antialiased(grid), 2, 1)).toEqual([22.5, 0]);
  });

  it('keeps a 1-px checkerboard near its mean grey where plain bilinear aliases it to black and white', () => {
    // Shrunk 3x: plain bilinear lands on single pixels (0 or 200). Two taps per axis at index 0.25 and 1.75
    // of each 3 px footprint, each a 3:1 bilinear mix: 75 or 125, a quarter of plain bilinear's swing.
    const side = 48 * 3;
    const pixels: [number, number, number][] = [];
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) pixels.push((x + y) % 2 ? [200, 200, 200] : [0, 0, 0]);
    const grid = rectGrid({ x: 0, y: 0, width: side, height: side }, 48, 48, 'bilinear', 'half_pixel', {
      x0: 0,
      y0: 0,
      x1: side - 1,
      y1: side - 1,
    });
    const spread = (v: number[]) => Math.max(...v) - Math.min(...v);
    expect(spread(run(image(side, side, pixels), grid, 48, 48))).toBe(200);
    const smooth = run(image(side, side, pixels), antialiased(grid), 48, 48);
    expect(spread(smooth)).toBeCloseTo(50, 4);
    expect(smooth.reduce((a, b) => a + b, 0) / smooth.length).toBeCloseTo(100, 0);
  });

  it('is plain bilinear when the picture grows or keeps its size, and for nearest', () => {
    const src = row([40, 100]);
    const up = rectGrid({ x: 0, y: 0, width: 2, height: 1 }, 4, 1, 'bilinear', 'half_pixel');
    expect(run(src, antialiased(up), 4, 1)).toEqual(run(src, up, 4, 1));
    expect(antialiasTaps(antialiased(up))).toBe(1);
    const near = rectGrid({ x: 0, y: 0, width: 8, height: 1 }, 2, 1, 'nearest', 'half_pixel');
    expect(antialiasTaps(antialiased(near))).toBe(1);
  });

  it('takes ceil(step / 2) taps per axis, along a rotated grid too, at most MAX_ANTIALIAS_TAPS', () => {
    const grid = (step: number, angle = 0): SampleGrid => ({
      originX: 0,
      originY: 0,
      uStepX: step * Math.cos(angle),
      uStepY: step * Math.sin(angle),
      vStepX: -step * Math.sin(angle),
      vStepY: step * Math.cos(angle),
      transform: 'half_pixel',
      mode: 'bilinear',
      antialias: true,
    });
    expect(antialiasTaps(grid(2))).toBe(1);
    expect(antialiasTaps(grid(4))).toBe(2);
    expect(antialiasTaps(grid(4.2, 0.3))).toBe(3);
    expect(antialiasTaps(grid(100))).toBe(MAX_ANTIALIAS_TAPS);
  });
});

describe('resampleToTensor: colour, normalisation and layout', () => {
  // Two pixels (10, 20, 30) and (40, 50, 60); (v * 2 - mean) / std.
  const two = image(2, 1, [
    [10, 20, 30],
    [40, 50, 60],
  ]);
  const grid = rectGrid({ x: 0, y: 0, width: 2, height: 1 }, 2, 1, 'nearest', 'half_pixel');
  const norm = { scale: 2, mean: [1, 2, 3], std: [1, 2, 4] };
  it.each([
    ['rgb NHWC', { color: 'rgb', ...norm }, 'NHWC', [19, 19, 14.25, 79, 49, 29.25]],
    ['rgb NCHW', { color: 'rgb', ...norm }, 'NCHW', [19, 79, 19, 49, 14.25, 29.25]],
    // BGR: channel 0 is blue with mean[0] / std[0].
    ['bgr NHWC', { color: 'bgr', ...norm }, 'NHWC', [59, 19, 4.25, 119, 49, 19.25]],
    ['bgr NCHW', { color: 'bgr', ...norm }, 'NCHW', [59, 119, 19, 49, 4.25, 19.25]],
    // g = .5 R + .25 G + .25 B = 17.5 and 47.5; (g - 10) / 2.
    [
      'gray',
      { color: 'gray', grayWeights: [0.5, 0.25, 0.25], scale: 1, mean: [10], std: [2] },
      'NHWC',
      [3.75, 18.75],
    ],
  ] as const)('%s', (_name, pixels, layout, expected) => {
    const p = { ...pixels, mean: [...pixels.mean], std: [...pixels.std] } as PixelNormalization;
    expect(run(two, grid, 2, 1, p, layout)).toEqual(expected);
  });

  it('MediaPipe [-1, 1] scaling: 0 -> -1, 255 -> 1', () => {
    const pixels: PixelNormalization = { color: 'rgb', scale: 1 / 127.5, mean: [1, 1, 1], std: [1, 1, 1] };
    const bw = image(2, 1, [
      [0, 0, 0],
      [255, 255, 255],
    ]);
    expect(run(bw, grid, 2, 1, pixels)).toEqual([-1, -1, -1, 1, 1, 1]);
  });
});

describe('resampleToTensor: contract', () => {
  const grid = rectGrid({ x: 0, y: 0, width: 1, height: 1 }, 2, 2, 'nearest', 'half_pixel');
  it.each([
    ['a buffer of the wrong size', new Float32Array(5), 2, 'expected 2x2x3 = 12'],
    ['a non-integer tensor size', new Float32Array(12), 2.5, 'positive integer tensor size'],
  ])('throws on %s', (_name, data, width, message) => {
    expect(() =>
      resampleToTensor(row([1]), grid, { data, width, height: 2, layout: 'NHWC', pixels: RAW }),
    ).toThrow(message);
  });
});

describe('assertPixelNormalization', () => {
  it.each([
    ['gray without weights', { color: 'gray', scale: 1, mean: [0], std: [1] }, 'needs grayWeights'],
    ['mean of the wrong length', { color: 'rgb', scale: 1, mean: [0], std: [1, 1, 1] }, 'mean must hold 3'],
    [
      'a zero std',
      { color: 'rgb', scale: 1, mean: [0, 0, 0], std: [1, 0, 1] },
      'std must hold 3 finite non-zero',
    ],
    ['an unknown colour', { color: 'rgba', scale: 1, mean: [0], std: [1] }, "must be 'rgb', 'bgr' or 'gray'"],
    [
      'a NaN scale',
      { color: 'rgb', scale: Number.NaN, mean: [0, 0, 0], std: [1, 1, 1] },
      'scale must be a finite',
    ],
  ])('throws on %s', (_name, pixels, message) => {
    expect(() => assertPixelNormalization(pixels as PixelNormalization, 'model x')).toThrow(message);
  });
  it('accepts the face-api constants', () => {
    expect(() =>
      assertPixelNormalization(
        { color: 'rgb', scale: 1, mean: [122.782, 117.001, 104.298], std: [255, 255, 255] },
        'x',
      ),
    ).not.toThrow();
  });
});
