import { describe, expect, it } from 'vitest';
import type { InferenceBackend, TensorData } from '../ml/backend.ts';
import type { ClassifierEntry } from '../ml/manifest.ts';
import type { RgbaImage } from '../ml/types.ts';
import { benchBatches, compareLogits, formatBatchTable } from './bench-classifiers.ts';

const LABELS = ['neutral', 'happiness', 'sadness', 'surprise', 'fear', 'disgust', 'anger'] as const;

function entry(id: string, maxBatch?: number): ClassifierEntry {
  return {
    id,
    kind: 'classifier',
    file: `${id}.onnx`,
    sha256: '',
    bytes: 0,
    input: { name: 'x', shape: [1, 1, 2, 2], layout: 'NCHW', width: 2, height: 2, channels: 1 },
    outputs: [{ name: 'y', shape: [1, 7] }],
    preprocessing: {
      color: 'gray',
      grayWeights: [1, 0, 0],
      fit: 'stretch',
      resize: 'nearest',
      scale: 1,
      mean: [0],
      std: [1],
    },
    weights: 'float32',
    source: { package: 'test@0', path: '-', licence: '-' },
    description: '',
    sourceLabels: [...LABELS],
    labels: [...LABELS],
    outputIsProbability: false,
    output: 'y',
    ...(maxBatch === undefined ? {} : { maxBatch }),
  };
}

/**
 * A fake backend: per face, logit k = the face's first pixel if k is the pixel mod 7, else 0; model "b"
 * adds `shift` to logit 0 (a stand-in for float16 rounding). Records the batch of every call.
 */
function fakeBackend(shift: number): InferenceBackend & { batches: Record<string, number[]> } {
  const batches: Record<string, number[]> = {};
  return {
    name: 'fake',
    batches,
    run(modelId, inputs): Promise<Record<string, TensorData>> {
      const x = inputs.x!;
      const n = x.dims[0]!;
      (batches[modelId] ??= []).push(n);
      const y = new Float32Array(n * 7);
      for (let i = 0; i < n; i++) {
        const v = x.data[i * 4]!;
        y[i * 7 + (v % 7)] = v;
        if (modelId === 'b') y[i * 7] = y[i * 7]! + shift;
      }
      return Promise.resolve({ y: { data: y, dims: [n, 7] } });
    },
  };
}

const crop = (value: number): RgbaImage => ({
  width: 2,
  height: 2,
  data: Uint8ClampedArray.from({ length: 16 }, (_, i) => (i % 4 === 3 ? 255 : value)),
});

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
