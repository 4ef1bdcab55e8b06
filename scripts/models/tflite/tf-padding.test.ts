import { describe, expect, it } from 'vitest';
import { tfAxisPadding } from './tf-padding.ts';

describe('tfAxisPadding', () => {
  // [padding, in, kernel, stride, dilation, begin, end, out]; the BlazeFace layers first.
  const cases: ['SAME' | 'VALID', number, number, number, number, number, number, number][] = [
    ['SAME', 128, 5, 2, 1, 1, 2, 64], // short-range stem: the odd pixel goes bottom/right
    ['SAME', 192, 3, 2, 1, 0, 1, 96], // full-range stem
    ['SAME', 64, 3, 2, 1, 0, 1, 32], // stride-2 depthwise
    ['SAME', 64, 3, 1, 1, 1, 1, 64], // stride-1 depthwise: symmetric
    ['SAME', 64, 2, 2, 1, 0, 0, 32], // 2x2 max pool: no padding at all
    ['SAME', 16, 1, 1, 1, 0, 0, 16], // 1x1 heads
    ['VALID', 64, 1, 1, 1, 0, 0, 64], // 1x1 projections
    ['SAME', 7, 3, 2, 1, 1, 1, 4], // odd input: total 2, split evenly
    ['SAME', 6, 3, 2, 1, 0, 1, 3],
    ['SAME', 5, 1, 3, 1, 0, 0, 2], // kernel smaller than stride: no negative padding
    ['VALID', 7, 3, 2, 1, 0, 0, 3],
    ['SAME', 10, 3, 1, 2, 2, 2, 10], // dilation widens the kernel to 5
    ['VALID', 10, 3, 1, 2, 0, 0, 6],
  ];
  it.each(cases)(
    '%s in=%i k=%i s=%i d=%i -> pads %i/%i, out %i',
    (padding, inSize, k, s, d, begin, end, out) => {
      expect(tfAxisPadding(padding, inSize, k, s, d)).toEqual({ begin, end, out });
    },
  );

  it('rejects sizes that are not positive integers and VALID kernels larger than the input', () => {
    expect(() => tfAxisPadding('SAME', 0, 3, 1)).toThrow(/input size must be a positive integer/);
    expect(() => tfAxisPadding('SAME', 8, 3, 0)).toThrow(/stride must be a positive integer/);
    expect(() => tfAxisPadding('VALID', 2, 3, 1)).toThrow(/larger than the input/);
  });
});
