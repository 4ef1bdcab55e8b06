import { describe, expect, it } from 'vitest';
import { spanLabel } from './span-label.ts';

describe('spanLabel', () => {
  it.each([
    [2000, '2 s'],
    [1999.6, '2 s'],
    [1200, '1.2 s'],
    [200, '0.2 s'],
    [4000, '4 s'],
    [2460, '2.5 s'],
  ])('%d ms -> %s', (ms, label) => expect(spanLabel(ms)).toBe(label));

  it('refuses what is not a span', () => {
    expect(() => spanLabel(Number.NaN)).toThrow('spanMs must be >= 0');
    expect(() => spanLabel(-1)).toThrow('spanMs must be >= 0');
  });
});
