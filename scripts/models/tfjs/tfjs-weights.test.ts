import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { decodeWeights, readWeightsManifest, type TfjsWeightSpec } from './tfjs-weights.ts';

const FACE_API_MANIFEST = fileURLToPath(
  new URL(
    '../../../node_modules/@vladmandic/face-api/model/face_expression_model-weights_manifest.json',
    import.meta.url,
  ),
);

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

function f32Bytes(...values: number[]): number[] {
  return [...new Uint8Array(Float32Array.from(values).buffer)];
}

describe('decodeWeights', () => {
  const cases: { name: string; spec: Omit<TfjsWeightSpec, 'name'>; data: Uint8Array; expected: number[] }[] =
    [
      {
        name: 'uint8: q * scale + min, rounded to float32 once',
        spec: { shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: -1 } },
        data: bytes(0, 1, 10, 255),
        expected: [0, 1, 10, 255].map((q) => Math.fround(q * 0.1 - 1)),
      },
      {
        name: 'uint16: little-endian',
        spec: { shape: [2], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.5, min: 2 } },
        data: bytes(0x01, 0x00, 0x00, 0x01),
        expected: [2.5, 256 * 0.5 + 2],
      },
      {
        name: 'float16: exact half values, incl. subnormal and negative',
        spec: { shape: [4], dtype: 'float32', quantization: { dtype: 'float16' } },
        data: bytes(0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0xff, 0x7b),
        expected: [1, -2, 2 ** -24, 65504],
      },
      {
        name: 'int32 quantised to uint8: rounded',
        spec: { shape: [3], dtype: 'int32', quantization: { dtype: 'uint8', scale: 0.4, min: 0 } },
        data: bytes(1, 2, 4),
        expected: [0, 1, 2],
      },
      {
        name: 'plain float32',
        spec: { shape: [2], dtype: 'float32' },
        data: Uint8Array.from(f32Bytes(1.5, -3.25)),
        expected: [1.5, -3.25],
      },
      {
        name: 'plain int32',
        spec: { shape: [2], dtype: 'int32' },
        data: bytes(1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff),
        expected: [1, -1],
      },
    ];

  it.each(cases)('$name', ({ spec, data, expected }) => {
    const w = decodeWeights([{ name: 'w', ...spec }], data).get('w');
    expect(w?.shape).toEqual(spec.shape);
    expect(w?.dtype).toBe(spec.dtype);
    expect(w?.quantization).toBe(spec.quantization?.dtype ?? null);
    expect(Array.from(w?.data ?? [])).toEqual(expected);
  });

  it('reads weights back to back, plain float32 at an odd byte offset', () => {
    const data = Uint8Array.from([7, ...f32Bytes(0.25)]);
    const weights = decodeWeights(
      [
        { name: 'q', shape: [1], dtype: 'float32', quantization: { dtype: 'uint8', scale: 1, min: 0 } },
        { name: 'f', shape: [1], dtype: 'float32' },
      ],
      data,
    );
    expect([...weights.keys()]).toEqual(['q', 'f']);
    expect(weights.get('q')?.data[0]).toBe(7);
    expect(weights.get('f')?.data[0]).toBe(0.25);
  });

  const errors: { name: string; specs: TfjsWeightSpec[]; data: Uint8Array; message: RegExp }[] = [
    {
      name: 'uint8 without scale/min',
      specs: [{ name: 'w', shape: [1], dtype: 'float32', quantization: { dtype: 'uint8' } }],
      data: bytes(1),
      message: /"w": uint8 quantisation needs numeric "scale" and "min"/,
    },
    {
      name: 'unknown quantisation dtype',
      specs: [{ name: 'w', shape: [1], dtype: 'float32', quantization: { dtype: 'int4' as 'uint8' } }],
      data: bytes(1),
      message: /"w": unknown quantisation dtype "int4"/,
    },
    {
      name: 'unsupported dtype',
      specs: [{ name: 'w', shape: [1], dtype: 'string' }],
      data: bytes(1),
      message: /"w": unsupported dtype "string"/,
    },
    {
      name: 'data too short',
      specs: [{ name: 'w', shape: [2], dtype: 'float32' }],
      data: bytes(1, 2, 3, 4),
      message: /"w": needs bytes 0\.\.8 but the weight data has 4/,
    },
    {
      name: 'data too long',
      specs: [{ name: 'w', shape: [1], dtype: 'float32' }],
      data: bytes(1, 2, 3, 4, 5),
      message: /cover 4 bytes but the weight data has 5/,
    },
  ];

  it.each(errors)('throws a clear error: $name', ({ specs, data, message }) => {
    expect(() => decodeWeights(specs, data)).toThrow(message);
  });
});

describe('readWeightsManifest', () => {
  it("dequantises face-api's expression weights bit for bit like tfjs-core's io.decodeWeights", async () => {
    tf.env().set('PROD', true); // silences the "install tfjs-node" banner
    await tf.setBackend('cpu');
    const ours = await readWeightsManifest(FACE_API_MANIFEST);
    const manifest = JSON.parse(await readFile(FACE_API_MANIFEST, 'utf8')) as {
      weights: tf.io.WeightsManifestEntry[];
    }[];
    const bin = await readFile(FACE_API_MANIFEST.replace('-weights_manifest.json', '.bin'));
    const theirs = tf.io.decodeWeights(
      bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      manifest.flatMap((g) => g.weights),
    );
    expect([...ours.keys()]).toEqual(Object.keys(theirs));
    for (const [name, w] of ours) {
      const t = theirs[name];
      expect(w.shape, name).toEqual(t?.shape);
      const expected = t?.dataSync() as Float32Array;
      const mismatch = w.data.findIndex((v, i) => !Object.is(v, expected[i]));
      expect(mismatch, `${name}: first element that differs from tfjs-core`).toBe(-1);
    }
    tf.dispose(Object.values(theirs));
    expect(ours.get('dense0/conv0/filters')?.quantization).toBe('uint8');
    expect(ours.get('dense0/conv0/bias')?.quantization).toBeNull();
  });
});
