import { describe, expect, it } from 'vitest';
import { evenlySpaced, median, percentile } from './stats.ts';

describe('median and percentile', () => {
  it.each([
    { values: [5], median: 5, p95: 5 },
    { values: [3, 1, 2], median: 2, p95: 3 },
    { values: [4, 1, 3, 2], median: 2.5, p95: 4 },
    { values: Array.from({ length: 100 }, (_, i) => 100 - i), median: 50.5, p95: 95 },
    { values: Array.from({ length: 20 }, (_, i) => i + 1), median: 10.5, p95: 19 },
  ])('$values.length values', ({ values, median: m, p95 }) => {
    expect(median(values)).toBe(m);
    expect(percentile(values, 95)).toBe(p95);
  });
  it('throws on no values or a bad p', () => {
    expect(() => median([])).toThrow(/no values/);
    expect(() => percentile([1], 101)).toThrow(/p in 0..100/);
  });
});

describe('evenlySpaced', () => {
  it.each([
    { n: 3, expected: [0, 3, 6] },
    { n: 1, expected: [0] },
    { n: 20, expected: [0, 1, 2, 3, 4, 5, 6, 7, 8] },
    { n: undefined, expected: [0, 1, 2, 3, 4, 5, 6, 7, 8] },
  ])('evenlySpaced of 9, n=$n', ({ n, expected }) => {
    expect(evenlySpaced([0, 1, 2, 3, 4, 5, 6, 7, 8], n)).toEqual(expected);
  });
});
