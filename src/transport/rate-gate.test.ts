import { describe, expect, it } from 'vitest';
import { RateGate } from './rate-gate.ts';

describe('RateGate', () => {
  it('allows 2 per second, says when the next is allowed, and slides', () => {
    const gate = new RateGate(2, 1000);
    expect(gate.take(0)).toEqual({ ok: true });
    expect(gate.take(300)).toEqual({ ok: true });
    expect(gate.take(400)).toEqual({ ok: false, retryInMs: 600 });
    // A refused use does not count.
    expect(gate.take(999)).toEqual({ ok: false, retryInMs: 1 });
    expect(gate.take(1000)).toEqual({ ok: true });
    expect(gate.take(1200)).toEqual({ ok: false, retryInMs: 100 });
    expect(gate.take(1300)).toEqual({ ok: true });
  });

  it.each([
    [0, 1000],
    [1.5, 1000],
    [2, 0],
  ])('refuses max %d per %d ms', (max, perMs) => {
    expect(() => new RateGate(max, perMs)).toThrow(/RateGate/);
  });
});
