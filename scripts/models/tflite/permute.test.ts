import { describe, expect, it } from 'vitest';
import { permute } from './permute.ts';

/** Reference: the value at every output index, computed the slow, obvious way. */
function naive(data: number[], shape: number[], perm: number[]): number[] {
  const outShape = perm.map((p) => shape[p]!);
  const count = data.length;
  const out: number[] = [];
  for (let flat = 0; flat < count; flat++) {
    const outIdx: number[] = [];
    let rest = flat;
    for (let a = outShape.length - 1; a >= 0; a--) {
      outIdx[a] = rest % outShape[a]!;
      rest = Math.floor(rest / outShape[a]!);
    }
    const inIdx: number[] = [];
    perm.forEach((p, a) => (inIdx[p] = outIdx[a]!));
    out.push(data[inIdx.reduce((acc, v, a) => acc * shape[a]! + v, 0)]!);
  }
  return out;
}

describe('permute', () => {
  it('turns an OHWI kernel into OIHW', () => {
    // O=2, H=1, W=2, I=3: value = 100*o + 10*w + i.
    const ohwi = Float32Array.from([0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112]);
    expect(Array.from(permute(ohwi, [2, 1, 2, 3], [0, 3, 1, 2]))).toEqual([
      0, 10, 1, 11, 2, 12, 100, 110, 101, 111, 102, 112,
    ]);
  });

  it.each([
    [
      [2, 3, 4],
      [2, 0, 1],
    ],
    [
      [1, 3, 3, 5],
      [3, 0, 1, 2],
    ], // depthwise [1,kh,kw,C] -> [C,1,kh,kw]
    [
      [4, 2, 3, 5],
      [0, 3, 1, 2],
    ], // OHWI -> OIHW
    [
      [3, 1, 2],
      [0, 1, 2],
    ],
  ])('matches the obvious implementation for shape %j perm %j, on float16 bits too', (shape, perm) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: n }, (_, i) => i);
    expect(Array.from(permute(Float32Array.from(data), shape, perm))).toEqual(naive(data, shape, perm));
    const bits = permute(Uint16Array.from(data), shape, perm);
    expect(bits).toBeInstanceOf(Uint16Array);
    expect(Array.from(bits)).toEqual(naive(data, shape, perm));
  });

  it('rejects a non-permutation and a shape that does not fit the data', () => {
    expect(() => permute(new Float32Array(6), [2, 3], [0, 0])).toThrow(/not a permutation/);
    expect(() => permute(new Float32Array(5), [2, 3], [1, 0])).toThrow(/has 6 values, data has 5/);
  });
});
