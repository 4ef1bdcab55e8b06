import { describe, expect, it } from 'vitest';
import { softmax } from './softmax.ts';

describe('softmax', () => {
  it.each([
    ['equal logits', [0, 0], [0.5, 0.5]],
    ['[0, ln 3] -> [1/4, 3/4]', [0, Math.log(3)], [0.25, 0.75]],
    ['[1, 2, 3]', [1, 2, 3], [0.09003057317038046, 0.24472847105479764, 0.6652409557748219]],
    ['large logits do not overflow', [1000, 1000], [0.5, 0.5]],
    ['a single logit', [-7], [1]],
  ])('%s', (_name, logits, want) => {
    const got = Array.from(softmax(logits));
    got.forEach((p, i) => expect(p).toBeCloseTo(want[i] ?? Number.NaN, 14));
  });

  it('writes into a given buffer', () => {
    const out = new Float64Array(2);
    expect(softmax(new Float32Array([0, 0]), out)).toBe(out);
    expect(Array.from(out)).toEqual([0.5, 0.5]);
  });

  it.each([
    ['no logits', [], undefined, 'at least one logit'],
    ['a NaN logit', [0, Number.NaN], undefined, 'logit 1 is NaN'],
    ['an infinite logit', [Infinity, 0], undefined, 'logit 0 is Infinity'],
    ['an output of the wrong size', [0, 0], new Float64Array(3), 'output holds 3 values, expected 2'],
  ])('throws on %s', (_name, logits, out, message) => {
    expect(() => softmax(logits, out)).toThrow(message);
  });
});
