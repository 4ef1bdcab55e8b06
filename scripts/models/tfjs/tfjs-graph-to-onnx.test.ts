/**
 * The mapping paths mini-Xception does not use (asymmetric SAME padding, separate BiasAdd, Relu6, per-channel Mul,
 * SAME AvgPool, Mean keeping dims, Reshape), checked on a small synthetic graph: tfjs-converter runs the model.json,
 * onnxruntime-web runs our ONNX, both must agree.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { parseGraphModel } from './tfjs-graph.ts';
import { tfjsGraphToOnnx } from './tfjs-graph-to-onnx.ts';
import { decodeWeights, type TfjsWeightSpec } from './tfjs-weights.ts';

/** Same float32 math in a different summation order: a few ulps of values around 1. */
const TOLERANCE = 1e-6;

const b64 = (s: string): string => btoa(s);
const dims = (shape: number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });
const ints = (values: number[]) => ({ list: { i: values.map(String) } });
const nhwc = { data_format: { s: b64('NHWC') }, T: { type: 'DT_FLOAT' } };

function constNode(name: string, shape: number[], dtype = 'DT_FLOAT') {
  return {
    name,
    op: 'Const',
    attr: { dtype: { type: dtype }, value: { tensor: { dtype, tensorShape: dims(shape) } } },
  };
}

const WEIGHTS: TfjsWeightSpec[] = [
  { name: 'w1', shape: [3, 3, 2, 3], dtype: 'float32' },
  { name: 'b1', shape: [3], dtype: 'float32' },
  { name: 'dw', shape: [3, 3, 3, 1], dtype: 'float32' },
  { name: 'scale', shape: [3], dtype: 'float32' },
  { name: 'axes', shape: [2], dtype: 'int32' },
  { name: 'shape', shape: [2], dtype: 'int32' },
];

const MODEL_JSON = {
  format: 'graph-model',
  modelTopology: {
    node: [
      {
        name: 'x',
        op: 'Placeholder',
        attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims([-1, 6, 6, 2]) } },
      },
      ...WEIGHTS.map((w) => constNode(w.name, w.shape, w.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT')),
      {
        name: 'conv',
        op: 'Conv2D',
        input: ['x', 'w1'],
        attr: {
          ...nhwc,
          strides: ints([1, 2, 2, 1]),
          dilations: ints([1, 1, 1, 1]),
          padding: { s: b64('SAME') },
        },
      },
      { name: 'bias', op: 'BiasAdd', input: ['conv', 'b1'], attr: nhwc },
      { name: 'relu6', op: 'Relu6', input: ['bias'], attr: { T: { type: 'DT_FLOAT' } } },
      {
        name: 'depthwise',
        op: 'DepthwiseConv2dNative',
        input: ['relu6', 'dw'],
        attr: {
          ...nhwc,
          strides: ints([1, 1, 1, 1]),
          dilations: ints([1, 1, 1, 1]),
          padding: { s: b64('SAME') },
        },
      },
      { name: 'scaled', op: 'Mul', input: ['depthwise', 'scale'], attr: { T: { type: 'DT_FLOAT' } } },
      {
        name: 'pool',
        op: 'AvgPool',
        input: ['scaled'],
        attr: {
          ...nhwc,
          ksize: ints([1, 2, 2, 1]),
          strides: ints([1, 2, 2, 1]),
          padding: { s: b64('SAME') },
        },
      },
      {
        name: 'mean',
        op: 'Mean',
        input: ['pool', 'axes'],
        attr: { keep_dims: { b: true }, T: { type: 'DT_FLOAT' } },
      },
      { name: 'flat', op: 'Reshape', input: ['mean', 'shape'], attr: { T: { type: 'DT_FLOAT' } } },
      { name: 'out', op: 'Softmax', input: ['flat'], attr: { T: { type: 'DT_FLOAT' } } },
    ],
    library: {},
    versions: {},
  },
  weightsManifest: [{ paths: ['synthetic.bin'], weights: WEIGHTS }],
};

function weightBytes(): Uint8Array {
  const parts: ArrayBuffer[] = [];
  let seed = 42;
  const random = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32 - 0.5;
  };
  for (const w of WEIGHTS) {
    const count = w.shape.reduce((a, b) => a * b, 1);
    if (w.name === 'axes') parts.push(Int32Array.from([1, 2]).buffer);
    else if (w.name === 'shape') parts.push(Int32Array.from([-1, 3]).buffer);
    else parts.push(Float32Array.from({ length: count }, () => random() * 2).buffer);
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), offset);
    offset += p.byteLength;
  }
  return out;
}

describe('tfjsGraphToOnnx on a synthetic graph', () => {
  it('matches tfjs-converter (Conv2D SAME stride 2, BiasAdd, Relu6, depthwise, Mul, AvgPool SAME, Mean, Reshape, Softmax)', async () => {
    tf.env().set('PROD', true);
    await tf.setBackend('cpu');
    const bytes = weightBytes();
    const graph = parseGraphModel(MODEL_JSON);
    const { builder, inputs, outputs } = tfjsGraphToOnnx(graph, decodeWeights(WEIGHTS, bytes), 'synthetic');
    expect(inputs).toEqual([{ name: 'x', shape: [-1, 6, 6, 2] }]);
    expect(outputs).toEqual([{ name: 'out', shape: [-1, 3] }]);
    const onnx = builder.serialize({ producerName: 'test', producerVersion: '0', opset: 17 });

    const model = await loadGraphModel(
      tf.io.fromMemory({
        modelTopology: MODEL_JSON.modelTopology,
        weightSpecs: WEIGHTS as tf.io.WeightsManifestEntry[],
        weightData: bytes.slice().buffer,
      }),
    );
    const input = Float32Array.from({ length: 2 * 6 * 6 * 2 }, (_, i) => Math.sin(i * 0.37) * 3);
    const reference = model.execute(tf.tensor4d(input, [2, 6, 6, 2]), 'out') as tf.Tensor;
    const expected = reference.dataSync();
    tf.dispose(reference);
    model.dispose();

    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(onnx);
    const actual = (await session.run({ x: new ort.Tensor('float32', input, [2, 6, 6, 2]) })).out
      ?.data as Float32Array;
    await session.release();
    expect(actual.length).toBe(expected.length);
    const diffs = Array.from(expected, (e, i) => Math.abs(e - actual[i]!));
    expect(
      Math.max(...diffs),
      `expected ${Array.from(expected).join(', ')}; actual ${Array.from(actual).join(', ')}`,
    ).toBeLessThanOrEqual(TOLERANCE);
  });
});
