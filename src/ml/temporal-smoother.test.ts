/**
 * Glue tests of the temporal mode over a FAKE BACKEND that records the windows it is given and answers with
 * a fixed distribution per call: the windows are the thing under test, not the model.
 */
import { describe, expect, it } from 'vitest';
import type { InferenceBackend, TensorData } from './backend.ts';
import type { Face } from './engine-api.ts';
import type { TemporalEntry } from './manifest.ts';
import { createTemporalSmoother } from './temporal-smoother.ts';

const ENTRY: TemporalEntry = {
  id: 'lstm',
  kind: 'temporal',
  file: 'lstm.onnx',
  sha256: '',
  bytes: 0,
  featuresOf: 'emo',
  input: { name: 'sequence', shape: [1, 3, 2] },
  output: 'probabilities',
  outputIsProbability: true,
  window: 3,
  sampleFps: 5,
  sourceLabels: ['N', 'H', 'S', 'Su', 'F', 'D', 'A'],
  labels: ['neutral', 'happiness', 'sadness', 'surprise', 'fear', 'disgust', 'anger'],
  maxBatch: 2,
  source: { package: 'test', path: 'x', licence: 'MIT' },
  description: '',
};

class FakeTemporal implements InferenceBackend {
  readonly name = 'fake';
  readonly calls: { dims: readonly number[]; windows: number[][] }[] = [];
  async run(modelId: string, inputs: Record<string, TensorData>): Promise<Record<string, TensorData>> {
    await Promise.resolve();
    expect(modelId).toBe('lstm');
    const input = inputs.sequence!;
    const n = input.dims[0]!;
    // The first feature of each step, per sequence: enough to follow the windows.
    const windows = Array.from({ length: n }, (_, i) => [0, 1, 2].map((t) => input.data[i * 6 + t * 2]!));
    this.calls.push({ dims: [...input.dims], windows });
    const data = new Float32Array(n * 7);
    // Sequence i says "happiness" with the newest feature's first value / 10.
    for (let i = 0; i < n; i++) {
      const p = windows[i]![2]! / 10;
      data.set([1 - p, p, 0, 0, 0, 0, 0], i * 7);
    }
    return { probabilities: { data, dims: [n, 7] } };
  }
}

const face = (x: number, feature: number | null): Face => ({
  box: { x, y: 0, width: 10, height: 10 },
  score: 0.9,
  keypoints: [],
  emotions: { neutral: 1, happiness: 0, sadness: 0, surprise: 0, fear: 0, disgust: 0, anger: 0 },
  top: { emotion: 'neutral', probability: 1 },
  ...(feature === null ? {} : { features: Float32Array.from([feature, 0]) }),
});

describe('createTemporalSmoother', () => {
  it('keeps one window per face, samples at 5 fps and runs the faces with a new sample together', async () => {
    const backend = new FakeTemporal();
    const smoother = createTemporalSmoother(backend, ENTRY);
    const first = await smoother.update([face(0, 1), face(100, 5)], 0);
    expect(first.map((r) => [r?.trackId, r?.samples, r?.fresh])).toEqual([
      [1, 1, true],
      [2, 1, true],
    ]);
    expect(first[0]!.emotions.happiness).toBeCloseTo(0.1, 6);
    // 100 ms later: same 200 ms slot, no new sample, the last result again, no model call.
    const between = await smoother.update([face(1, 9), face(101, 9)], 100);
    expect(between.map((r) => r?.fresh)).toEqual([false, false]);
    expect(between[0]!.emotions.happiness).toBeCloseTo(0.1, 6);
    // The faces moved a little and swapped places in the list: matched by overlap, not by order.
    await smoother.update([face(102, 6), face(2, 2)], 200);
    await smoother.update([face(3, 3), face(103, 7)], 400);
    expect(backend.calls.map((c) => c.windows)).toEqual([
      [
        [1, 1, 1],
        [5, 5, 5],
      ],
      [
        [5, 5, 6],
        [1, 1, 2],
      ],
      [
        [1, 2, 3],
        [5, 6, 7],
      ],
    ]);
  });

  it('splits calls at maxBatch, gives null for faces without features, and starts new tracks for new faces', async () => {
    const backend = new FakeTemporal();
    const smoother = createTemporalSmoother(backend, ENTRY);
    const out = await smoother.update([face(0, 1), face(100, 2), face(200, null), face(300, 3)], 0);
    expect(backend.calls.map((c) => c.dims)).toEqual([
      [2, 3, 2],
      [1, 3, 2],
    ]);
    expect(out.map((r) => r?.trackId ?? null)).toEqual([1, 2, null, 3]);
  });

  it('drops a track not seen for a window span (600 ms here), and starts afresh after a seek back', async () => {
    const backend = new FakeTemporal();
    const smoother = createTemporalSmoother(backend, ENTRY);
    await smoother.update([face(0, 1)], 0);
    const later = await smoother.update([face(0, 2)], 1000);
    expect([later[0]!.trackId, later[0]!.samples]).toEqual([2, 1]);
    const back = await smoother.update([face(0, 3)], 200);
    expect([back[0]!.trackId, back[0]!.samples]).toEqual([3, 1]);
  });

  it('refuses an entry whose input shape does not match its window', () => {
    expect(() =>
      createTemporalSmoother(new FakeTemporal(), { ...ENTRY, input: { name: 'x', shape: [1, 10, 2] } }),
    ).toThrow("temporal model 'lstm': input shape must be [1, window (3), features], got [1, 10, 2]");
  });
});
