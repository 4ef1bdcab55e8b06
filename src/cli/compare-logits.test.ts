import { describe, expect, it } from 'vitest';
import { compareLogits } from './compare-logits.ts';
import { LABELS, crop, entry, fakeBackend } from './fake-classifier-backend.test-helper.ts';

describe('compareLogits', () => {
  it('max/mean |diff|, top-1 agreement and accuracy over the crops, each model in batches of its maxBatch', async () => {
    const backend = fakeBackend(100);
    // Pixel 8 -> class 1 (happiness), 10 -> 3 (surprise), 14 -> 0 (neutral); model b adds 100 to neutral,
    // so it answers neutral everywhere.
    const crops = [
      { image: crop(8), label: 'happiness' as const },
      { image: crop(10), label: 'surprise' as const },
      { image: crop(14), label: 'anger' as const },
    ];
    const c = await compareLogits(backend, entry('a', 2), entry('b'), crops);
    expect(c).toEqual({
      crops: 3,
      maxAbsDiff: 100,
      meanAbsDiff: 300 / 21,
      top1Agreement: 1 / 3,
      accuracyA: 2 / 3,
      accuracyB: 0,
    });
    expect(backend.batches).toEqual({ a: [2, 1], b: [1, 1, 1] });
  });

  it('refuses models whose labels differ in order, and no crops', async () => {
    const other = { ...entry('b'), labels: [...LABELS].reverse() };
    await expect(
      compareLogits(fakeBackend(0), entry('a'), other, [{ image: crop(1), label: 'fear' }]),
    ).rejects.toThrow('order their labels differently');
    await expect(compareLogits(fakeBackend(0), entry('a'), entry('b'), [])).rejects.toThrow('no crops');
  });
});
