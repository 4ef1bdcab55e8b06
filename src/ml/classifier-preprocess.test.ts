import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type PreprocessSpec,
  allocateInput,
  assertPreprocessSpec,
  preprocessImage,
  preprocessRect,
} from './classifier-preprocess.ts';
import type { Preprocessing } from './manifest.ts';
import type { PxBox, RgbaImage } from './types.ts';

function spec(
  width: number,
  height: number,
  preprocessing: Preprocessing,
  layout: 'NHWC' | 'NCHW' = 'NHWC',
): PreprocessSpec {
  const channels = preprocessing.color === 'gray' ? 1 : 3;
  const shape = layout === 'NHWC' ? [1, height, width, channels] : [1, channels, height, width];
  return { id: 'test', input: { name: 'input', shape, layout, width, height, channels }, preprocessing };
}

/** MODELS.md section 3: face-api: pad to square (centred), bilinear, (x - mean) / 255 (TFJS: asymmetric). */
const FACE_API: Preprocessing = {
  color: 'rgb',
  fit: 'pad-center',
  resize: 'bilinear',
  coordinateTransform: 'asymmetric',
  scale: 1,
  mean: [122.782, 117.001, 104.298],
  std: [255, 255, 255],
};
/** MODELS.md section 3: mini-Xception: RGB in [0,1], bilinear, grey .2989/.587/.114, (g - 0.5) * 2. */
const MINI_XCEPTION: Preprocessing = {
  color: 'gray',
  grayWeights: [0.2989, 0.587, 0.114],
  fit: 'stretch',
  resize: 'bilinear',
  coordinateTransform: 'asymmetric',
  scale: 1 / 255,
  mean: [0.5],
  std: [0.5],
};
/** MODELS.md section 2: EMO-AffectNet: Pillow NEAREST stretch, BGR, minus B/G/R means, NCHW. */
const EMO_AFFECTNET: Preprocessing = {
  color: 'bgr',
  fit: 'stretch',
  resize: 'nearest',
  scale: 1,
  mean: [91.4953, 103.8827, 131.0912],
  std: [1, 1, 1],
};
const RAW_RED: Preprocessing = {
  color: 'gray',
  grayWeights: [1, 0, 0],
  fit: 'stretch',
  resize: 'bilinear',
  scale: 1,
  mean: [0],
  std: [1],
};

function fromFn(
  width: number,
  height: number,
  f: (x: number, y: number) => [number, number, number],
): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set([...f(x, y), 255], (y * width + x) * 4);
  return { width, height, data };
}
/** Deterministic pseudo-random image (LCG), so reference comparisons see every kind of neighbourhood. */
function noise(width: number, height: number, seed = 1): RgbaImage {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) >> 8) & 255;
  return fromFn(width, height, () => [next(), next(), next()]);
}
/** The pixels of `rect` as their own image; outside the source reads 0, as the pipeline does. */
function cut(img: RgbaImage, rect: PxBox): RgbaImage {
  return fromFn(rect.width, rect.height, (x, y) => {
    const sx = rect.x + x;
    const sy = rect.y + y;
    if (sx < 0 || sy < 0 || sx >= img.width || sy >= img.height) return [0, 0, 0];
    const o = (sy * img.width + sx) * 4;
    return [img.data[o] ?? 0, img.data[o + 1] ?? 0, img.data[o + 2] ?? 0];
  });
}
function run(img: RgbaImage, s: PreprocessSpec): number[] {
  const out = allocateInput(s);
  preprocessImage(img, s, out);
  return Array.from(out);
}

describe('pad-center: face-api padToSquare(x, isCenterImage=true) integer padding (hand-computed)', () => {
  const zero = -122.782 / 255;
  const white = (255 - 122.782) / 255;
  const Z = [zero, zero, zero, zero];
  // Identity-size outputs, so each output row/column is one padded-square row/column.
  it.each([
    // diff 3: round(1.5) = 2 zero rows after, 1 before.
    ['4x1 (odd diff): 1 zero row before, 2 after', 4, 1, [Z, [white, white, white, white], Z, Z]],
    // diff 2: 1 before, 1 after.
    [
      '3x1 (even diff): 1 zero row each side',
      3,
      1,
      [
        [zero, zero, zero],
        [white, white, white],
        [zero, zero, zero],
      ],
    ],
    // Tall: columns are padded instead.
    [
      '1x4: 1 zero column before, 2 after',
      1,
      4,
      [
        [zero, white, zero, zero],
        [zero, white, zero, zero],
        [zero, white, zero, zero],
        [zero, white, zero, zero],
      ],
    ],
  ])('%s', (_name, w, h, rows) => {
    const side = Math.max(w, h);
    const s = spec(side, side, FACE_API);
    const got = run(
      fromFn(w, h, () => [255, 255, 255]),
      s,
    );
    const red = rows.map((_, v) => rows.map((__, u) => got[(v * side + u) * 3] ?? Number.NaN));
    red.forEach((r, v) => r.forEach((x, u) => expect(x).toBeCloseTo(rows[v]?.[u] ?? Number.NaN, 6)));
  });
});

describe('nearest, BGR, mean subtraction, NCHW: EMO-AffectNet (hand-computed)', () => {
  it('4x4 -> 2x2 samples source pixels 1 and 3 (Pillow: floor((u + 0.5) * 2))', () => {
    const img = fromFn(4, 4, (x, y) => [10 * x + y, 100 + x, 200 + y]);
    const got = run(img, spec(2, 2, EMO_AFFECTNET, 'NCHW'));
    // NCHW planes B, G, R over pixels (1,1) (3,1) (1,3) (3,3).
    const want = [
      ...[201, 201, 203, 203].map((b) => b - 91.4953),
      ...[101, 103, 101, 103].map((g) => g - 103.8827),
      ...[11, 31, 13, 33].map((r) => r - 131.0912),
    ];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i] ?? Number.NaN, 4));
  });
});

describe('letterbox fit', () => {
  it('2x1 white into 2x2: both rows are half image, half zero border', () => {
    const s = spec(2, 2, { ...RAW_RED, fit: 'letterbox' });
    expect(
      run(
        fromFn(2, 1, () => [255, 255, 255]),
        s,
      ),
    ).toEqual([127.5, 127.5, 127.5, 127.5]);
  });
});

describe('a rect of a frame gives exactly what the same pixels cut out give (analyze == crop mode)', () => {
  const frame = noise(13, 9, 7);
  const rects: [string, PxBox][] = [
    ['inside', { x: 2, y: 1, width: 7, height: 5 }],
    ['square', { x: 4, y: 2, width: 6, height: 6 }],
    ['over the top-left edge', { x: -3, y: -2, width: 8, height: 8 }],
    ['over the bottom-right edge', { x: 9, y: 5, width: 6, height: 7 }],
  ];
  const fits = ['stretch', 'pad-center', 'letterbox'] as const;
  const modes = ['bilinear', 'nearest'] as const;
  const transforms = ['half_pixel', 'asymmetric'] as const;
  const cases = rects.flatMap(([name, rect]) =>
    fits.flatMap((fit) =>
      modes.flatMap((resize) => transforms.map((ct) => [name, fit, resize, ct, rect] as const)),
    ),
  );
  it.each(cases)('%s, %s, %s, %s', (_name, fit, resize, coordinateTransform, rect) => {
    const s = spec(5, 4, { ...FACE_API, fit, resize, coordinateTransform });
    const fromFrame = allocateInput(s);
    preprocessRect(frame, rect, s, fromFrame);
    expect(Array.from(fromFrame)).toEqual(run(cut(frame, rect), s));
  });
});

describe('reference: tfjs-core 4.9 cpu, the ops face-api and human run (tolerance 1e-5: float32 steps)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  const TOL = 1e-5;
  const toTensor = (img: RgbaImage) => {
    const rgb: number[] = [];
    for (let i = 0; i < img.width * img.height; i++) rgb.push(...img.data.slice(i * 4, i * 4 + 3));
    return tf.tensor4d(rgb, [1, img.height, img.width, 3], 'float32');
  };
  /** @vladmandic/face-api src/ops/padToSquare.ts, isCenterImage = true. */
  const padToSquare = (x: tf.Tensor4D): tf.Tensor4D => {
    const [, height = 0, width = 0] = x.shape;
    if (height === width) return x;
    const diff = Math.abs(height - width);
    const append = Math.round(diff * 0.5);
    const axis = height > width ? 2 : 1;
    const pad = (n: number) => {
      const shape = [...x.shape] as [number, number, number, number];
      shape[axis] = n;
      return tf.fill(shape, 0, 'float32');
    };
    const parts = diff - append > 0 ? [pad(diff - append), x, pad(append)] : [x, pad(append)];
    return tf.concat(parts, axis) as tf.Tensor4D;
  };
  const expectClose = (got: number[], want: Float32Array | Int32Array | Uint8Array) => {
    expect(got.length).toBe(want.length);
    let worst = 0;
    got.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (want[i] ?? Number.NaN)))));
    expect(worst).toBeLessThan(TOL);
  };

  it.each([
    ['wide 11x6 -> 16 (odd diff)', 11, 6, 16],
    ['tall 5x12 -> 16 (odd diff)', 5, 12, 16],
    ['small 6x4 -> 112 (upscale, as FER crops)', 6, 4, 112],
    ['large 40x31 -> 16 (downscale)', 40, 31, 16],
  ])('face-api: pad-center + resizeBilinear + (x - mean) / 255: %s', (_name, w, h, size) => {
    const img = noise(w, h, w * 31 + h);
    const want = tf.tidy(() =>
      tf
        .div(
          tf.sub(
            tf.image.resizeBilinear(padToSquare(toTensor(img)), [size, size], false, false),
            [122.782, 117.001, 104.298],
          ),
          255,
        )
        .dataSync(),
    );
    expectClose(run(img, spec(size, size, FACE_API)), want);
  });

  it.each([
    ['48x48 FER crop -> 64 (upscale)', 48, 48, 64],
    ['non-square 30x20 -> 8 (stretch)', 30, 20, 8],
  ])('human mini-Xception: resizeBilinear of [0,1] RGB, grey, (g - 0.5) * 2: %s', (_name, w, h, size) => {
    const img = noise(w, h, 3);
    const want = tf.tidy(() => {
      const resized = tf.image.resizeBilinear(tf.div<tf.Tensor4D>(toTensor(img), 255), [size, size], false);
      const grey = tf.sum(tf.mul(resized, [0.2989, 0.587, 0.114]), 3, true);
      return tf.mul(tf.sub(grey, 0.5), 2).dataSync();
    });
    expectClose(run(img, spec(size, size, MINI_XCEPTION)), want);
  });

  it('nearest asymmetric equals tf.image.resizeNearestNeighbor(alignCorners=false)', () => {
    const img = noise(9, 7, 5);
    const want = tf.tidy(() => tf.image.resizeNearestNeighbor(toTensor(img), [4, 5], false).dataSync());
    const raw: Preprocessing = {
      ...FACE_API,
      fit: 'stretch',
      resize: 'nearest',
      mean: [0, 0, 0],
      std: [1, 1, 1],
    };
    expectClose(run(img, spec(5, 4, raw)), want);
  });
});

describe('contract', () => {
  it.each([
    ['a fractional rect', { x: 0.5, y: 0, width: 2, height: 2 }, 'rect of whole pixels'],
    ['an empty rect', { x: 0, y: 0, width: 0, height: 2 }, 'rect of whole pixels'],
  ])('preprocessRect throws on %s', (_name, rect, message) => {
    const s = spec(2, 2, RAW_RED);
    expect(() => preprocessRect(noise(4, 4), rect, s, allocateInput(s))).toThrow(message);
  });

  it.each([
    [
      'channels that do not match the colour',
      { ...spec(2, 2, RAW_RED), input: { ...spec(2, 2, RAW_RED).input, channels: 3 } },
      "input.channels is 3 but color 'gray' gives 1",
    ],
    [
      'a shape that does not match the layout',
      { ...spec(2, 2, FACE_API), input: { ...spec(2, 2, FACE_API).input, shape: [1, 3, 2, 2] } },
      'does not match layout NHWC',
    ],
    [
      'an unknown fit',
      spec(2, 2, { ...RAW_RED, fit: 'cover' as Preprocessing['fit'] }),
      "fit must be 'stretch', 'pad-center' or 'letterbox'",
    ],
    [
      'an unknown coordinate transform',
      spec(2, 2, { ...RAW_RED, coordinateTransform: 'align_corners' as 'asymmetric' }),
      "coordinateTransform must be 'half_pixel' or 'asymmetric'",
    ],
    [
      'antialias with nearest',
      spec(2, 2, { ...RAW_RED, resize: 'nearest', antialias: true }),
      "antialias must be true or false, and only with resize 'bilinear'",
    ],
  ])('assertPreprocessSpec throws on %s', (_name, s, message) => {
    expect(() => assertPreprocessSpec(s)).toThrow(message);
  });

  it('accepts the three reference models', () => {
    for (const p of [FACE_API, MINI_XCEPTION, EMO_AFFECTNET])
      expect(() => assertPreprocessSpec(spec(8, 8, p))).not.toThrow();
  });
});
