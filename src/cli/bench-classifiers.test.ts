import { describe, expect, it } from 'vitest';
import { benchBatches, formatBatchTable } from './bench-classifiers.ts';
import { entry, fakeBackend } from './fake-classifier-backend.test-helper.ts';

describe('benchBatches', () => {
  it('times batch 1 and batch n (capped by maxBatch) per classifier', async () => {
    const backend = fakeBackend(0);
    const rows = await benchBatches(backend, [entry('a', 8), entry('b', 2), entry('c')], 4, {
      runs: 3,
      seconds: 0,
      maxSeconds: 10,
    });
    expect(rows.map((r) => [r.classifierId, r.maxBatch, r.batch, r.calls])).toEqual([
      ['a', 8, 4, { batch1: 3, batchN: 3 }],
      ['b', 2, 2, { batch1: 3, batchN: 3 }],
      ['c', 1, 1, { batch1: 3, batchN: 0 }],
    ]);
    // One warm-up call per batch size, then the measured calls.
    expect(backend.batches).toEqual({
      a: [1, 1, 1, 1, 4, 4, 4, 4],
      b: [1, 1, 1, 1, 2, 2, 2, 2],
      c: [1, 1, 1, 1],
    });
    const table = formatBatchTable(rows).split('\n');
    expect(table[0]).toMatch(
      /^classifier\s+weights\s+maxBatch\s+ms\/face batch 1\s+batch n\s+ms\/face batch n\s+speed-up$/,
    );
    expect(table[3]).toMatch(/^c\s+float32\s+1\s+\S+\s+1\s+- \(batch fixed at 1\)\s+-$/);
  });
});
