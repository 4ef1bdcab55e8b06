import { describe, expect, it } from 'vitest';
import { depthwiseToOnnx, hwioToOihw, tfAxisPadding } from './nchw-layers.ts';

describe('tfAxisPadding (TensorFlow SAME/VALID)', () => {
  it.each([
    // in, kernel, stride, dilation, padding -> before, after, out
    { args: [112, 3, 2, 1, 'SAME'], expected: { before: 0, after: 1, out: 56 } }, // odd extra pixel at the end
    { args: [64, 3, 1, 1, 'SAME'], expected: { before: 1, after: 1, out: 64 } },
    { args: [29, 3, 2, 1, 'SAME'], expected: { before: 1, after: 1, out: 15 } },
    { args: [29, 1, 2, 1, 'SAME'], expected: { before: 0, after: 0, out: 15 } },
    { args: [128, 5, 2, 1, 'SAME'], expected: { before: 1, after: 2, out: 64 } },
    { args: [10, 3, 1, 2, 'SAME'], expected: { before: 2, after: 2, out: 10 } },
    { args: [64, 3, 2, 1, 'VALID'], expected: { before: 0, after: 0, out: 31 } },
    { args: [7, 7, 2, 1, 'VALID'], expected: { before: 0, after: 0, out: 1 } },
  ] as { args: [number, number, number, number, 'SAME' | 'VALID']; expected: object }[])(
    '$args',
    ({ args, expected }) => {
      expect(tfAxisPadding(...args)).toEqual(expected);
    },
  );
});

describe('weight layouts', () => {
  it('HWIO -> OIHW', () => {
    // [kh=1, kw=2, in=2, out=3], value = 1000*y + 100*x + 10*i + o
    const hwio = Float32Array.from({ length: 12 }, (_, k) => {
      const o = k % 3;
      const i = Math.floor(k / 3) % 2;
      const x = Math.floor(k / 6);
      return 100 * x + 10 * i + o;
    });
    const { data, dims } = hwioToOihw(hwio, [1, 2, 2, 3]);
    expect(dims).toEqual([3, 2, 1, 2]);
    // OIHW order: o, i, y, x
    const expected = [];
    for (let o = 0; o < 3; o++)
      for (let i = 0; i < 2; i++) for (let x = 0; x < 2; x++) expected.push(100 * x + 10 * i + o);
    expect(Array.from(data)).toEqual(expected);
  });

  it('depthwise [kh, kw, C, M] -> [C*M, 1, kh, kw]', () => {
    // [kh=2, kw=1, C=2, M=2], value = 100*y + 10*c + m
    const tf = Float32Array.from({ length: 8 }, (_, k) => {
      const m = k % 2;
      const c = Math.floor(k / 2) % 2;
      const y = Math.floor(k / 4);
      return 100 * y + 10 * c + m;
    });
    const { data, dims } = depthwiseToOnnx(tf, [2, 1, 2, 2]);
    expect(dims).toEqual([4, 1, 2, 1]);
    expect(Array.from(data)).toEqual([0, 100, 1, 101, 10, 110, 11, 111]);
  });
});
