import { describe, expect, it } from 'vitest';
import { type PreprocessSpec, allocateInput, preprocessRect } from './classifier-preprocess.ts';
import { type FaceCrop, cropRect, cropToTensor, eyeRollAngle, faceCrop } from './crop.ts';
import type { Preprocessing } from './manifest.ts';
import type { PxDetection, RgbaImage } from './types.ts';

const RED: Preprocessing = {
  color: 'gray',
  grayWeights: [1, 0, 0],
  fit: 'stretch',
  resize: 'nearest',
  scale: 1,
  mean: [0],
  std: [1],
};
function spec(size: number, preprocessing: Preprocessing = RED): PreprocessSpec {
  return {
    id: 'test',
    input: { name: 'x', shape: [1, size, size, 1], layout: 'NHWC', width: size, height: size, channels: 1 },
    preprocessing,
  };
}
function blank(width: number, height: number): RgbaImage {
  return { width, height, data: new Uint8ClampedArray(width * height * 4) };
}
function paint(img: RgbaImage, x: number, y: number, value: number, radius = 0): void {
  for (let dy = -radius; dy <= radius; dy++) {
    for (let dx = -radius; dx <= radius; dx++) img.data[((y + dy) * img.width + (x + dx)) * 4] = value;
  }
}
const detection = (
  x: number,
  y: number,
  width: number,
  height: number,
  keypoints = [
    { x: 0, y: 0 },
    { x: 1, y: 0 },
  ],
): PxDetection => ({
  box: { x, y, width, height },
  score: 0.9,
  keypoints,
});

describe('faceCrop: square around the box centre, side = max(w, h) * (1 + 2 * margin)', () => {
  it.each([
    ['margin 0.1', 0.1, 72],
    ['margin 0', 0, 60],
    ['margin 0.5 (double size)', 0.5, 120],
    ['negative margin -0.25 (tighter)', -0.25, 30],
  ])('box 40x60 at (10, 20), %s -> side %d', (_name, margin, size) => {
    expect(faceCrop(detection(10, 20, 40, 60), margin, false)).toEqual({
      centerX: 30,
      centerY: 50,
      size,
      angle: 0,
    });
  });

  it.each([
    ['margin -0.5 (empty crop)', -0.5, 'cropMargin must be a finite number above -0.5'],
    ['NaN margin', Number.NaN, 'cropMargin must be a finite number'],
  ])('throws on %s', (_name, margin, message) => {
    expect(() => faceCrop(detection(0, 0, 10, 10), margin, false)).toThrow(message);
  });

  it('throws on an empty box', () => {
    expect(() => faceCrop(detection(0, 0, 0, 10), 0.1, false)).toThrow('positive size');
  });
});

describe('cropRect: whole pixels, not clamped to the image', () => {
  it.each([
    [
      '72 px around (30, 50)',
      { centerX: 30, centerY: 50, size: 72, angle: 0 },
      { x: -6, y: 14, width: 72, height: 72 },
    ],
    [
      'fractional: side 4.6 -> 5, x round(7.8) = 8',
      { centerX: 10.3, centerY: 5.5, size: 4.6, angle: 0 },
      { x: 8, y: 3, width: 5, height: 5 },
    ],
    ['at least 1x1', { centerX: 2, centerY: 2, size: 0.2, angle: 0 }, { x: 2, y: 2, width: 1, height: 1 }],
  ])('%s', (_name, crop: FaceCrop, want) => {
    expect(cropRect(crop)).toEqual(want);
  });
});

describe('eyeRollAngle: right eye (keypoint 0) -> left eye (keypoint 1)', () => {
  it.each([
    ['level eyes', { x: 10, y: 10 }, { x: 20, y: 10 }, 0],
    ['left eye lower (clockwise roll)', { x: 10, y: 10 }, { x: 20, y: 20 }, Math.PI / 4],
    ['left eye higher', { x: 10, y: 10 }, { x: 20, y: 0 }, -Math.PI / 4],
    ['eye line vertical', { x: 10, y: 10 }, { x: 10, y: 20 }, Math.PI / 2],
  ])('%s', (_name, right, left, angle) => {
    expect(eyeRollAngle([right, left])).toBeCloseTo(angle, 15);
  });
  it('throws without both eyes', () => {
    expect(() => faceCrop(detection(0, 0, 10, 10, []), 0, true)).toThrow(
      'needs keypoints 0 (right eye) and 1 (left eye)',
    );
  });
});

describe('cropToTensor', () => {
  it('axis-aligned: equals preprocessing the rounded square rect', () => {
    const img = blank(20, 20);
    for (let i = 0; i < 20; i++) paint(img, i, (i * 7) % 20, 10 * i + 5);
    const crop = faceCrop(detection(3.2, 4.7, 9.1, 8.4), 0.1, false);
    const s = spec(8, { ...RED, resize: 'bilinear', coordinateTransform: 'asymmetric' });
    const viaCrop = allocateInput(s);
    const viaRect = allocateInput(s);
    cropToTensor(img, crop, s, viaCrop);
    preprocessRect(img, cropRect(crop), s, viaRect);
    expect(Array.from(viaCrop)).toEqual(Array.from(viaRect));
  });

  it('outside the image reads 0: a crop hanging over the top-left corner', () => {
    const img = blank(4, 4);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) paint(img, x, y, 200);
    // Box 4x4 at (-2, -2), margin 0: rect (-2, -2, 4, 4); nearest 4x4 = identity.
    const s = spec(4);
    const out = allocateInput(s);
    cropToTensor(img, faceCrop(detection(-2, -2, 4, 4), 0, false), s, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200, 200, 0, 0, 200, 200]);
  });

  it('rotated by 90 degrees: a pixel below the centre lands right of the centre', () => {
    // Crop centred on pixel (2, 2) of a 5x5 image, angle pi/2: the output x axis points down the source.
    const img = blank(5, 5);
    paint(img, 2, 4, 255);
    const s = spec(5);
    const out = allocateInput(s);
    cropToTensor(img, { centerX: 2.5, centerY: 2.5, size: 5, angle: Math.PI / 2 }, s, out);
    const lit = Array.from(out).flatMap((v, i) => (v > 0 ? [[i % 5, Math.floor(i / 5)]] : []));
    expect(lit).toEqual([[4, 2]]);
  });

  it('upright: tilted eyes come out on one row, right eye left of the left eye', () => {
    // Eyes at (12, 14) and (28, 22): a roll of atan2(8, 16) = 26.6 degrees.
    const img = blank(40, 40);
    paint(img, 12, 14, 255, 1);
    paint(img, 28, 22, 255, 1);
    const det = detection(8, 6, 24, 24, [
      { x: 12.5, y: 14.5 },
      { x: 28.5, y: 22.5 },
    ]);
    const s = spec(32, { ...RED, resize: 'bilinear' });
    /** Centroid of the brightness in columns [fromU, toU) of a 32x32 output. */
    const centroid = (out: Float32Array, fromU: number, toU: number) => {
      let sum = 0;
      let su = 0;
      let sv = 0;
      out.forEach((v, i) => {
        const u = i % 32;
        if (u < fromU || u >= toU) return;
        sum += v;
        su += v * u;
        sv += v * Math.floor(i / 32);
      });
      return { u: su / sum, v: sv / sum };
    };
    const eyes = (upright: boolean) => {
      const out = allocateInput(s);
      cropToTensor(img, faceCrop(det, 0.1, upright), s, out);
      return { right: centroid(out, 0, 16), left: centroid(out, 16, 32) };
    };
    const level = eyes(true);
    expect(Math.abs(level.right.v - level.left.v)).toBeLessThan(0.05);
    expect(level.left.u - level.right.u).toBeGreaterThan(10);
    // Without upright, the eyes stay 8 px * 32 / 28.8 = 8.9 rows apart.
    const tilted = eyes(false);
    expect(tilted.left.v - tilted.right.v).toBeCloseTo(8 * (32 / 28.8), 0);
  });
});
