import { describe, expect, it } from 'vitest';
import { sweepPoints } from './eval-sweep.ts';

describe('sweepPoints', () => {
  it('sweepPoints: cartesian product, models outermost', () => {
    expect(sweepPoints({})).toEqual([{}]);
    expect(sweepPoints({ classifierId: ['a', 'b'], cropMargin: [0, 0.1] })).toEqual([
      { classifierId: 'a', cropMargin: 0 },
      { classifierId: 'a', cropMargin: 0.1 },
      { classifierId: 'b', cropMargin: 0 },
      { classifierId: 'b', cropMargin: 0.1 },
    ]);
  });
});
