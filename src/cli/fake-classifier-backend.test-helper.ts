/** A fake backend and tiny classifier entries for the tests of bench's classifier rows and compareLogits. */
import type { InferenceBackend, TensorData } from '../ml/backend.ts';
import type { ClassifierEntry } from '../ml/manifest.ts';
import type { RgbaImage } from '../ml/types.ts';

export const LABELS = ['neutral', 'happiness', 'sadness', 'surprise', 'fear', 'disgust', 'anger'] as const;

export function entry(id: string, maxBatch?: number): ClassifierEntry {
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
export function fakeBackend(shift: number): InferenceBackend & { batches: Record<string, number[]> } {
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

export const crop = (value: number): RgbaImage => ({
  width: 2,
  height: 2,
  data: Uint8ClampedArray.from({ length: 16 }, (_, i) => (i % 4 === 3 ? 255 : value)),
});
