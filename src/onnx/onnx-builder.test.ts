import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { attr, OnnxGraphBuilder } from './onnx-builder.ts';
import { float16BitsToFloat32, float32ToFloat16Bits } from './float16.ts';

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

async function run(
  model: Uint8Array,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(model);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('OnnxGraphBuilder', () => {
  it('serialises a graph that onnxruntime-web runs: float16 weights cast to float32, Conv with attributes', async () => {
    const b = new OnnxGraphBuilder('tiny');
    b.input('x', 'float32', [1, 1, 3, 3]);
    // A 2x2 kernel of float16 weights [1, 2, 3, 4], cast to float32 inside the graph.
    b.initializer({
      name: 'w16',
      type: 'float16',
      dims: [1, 1, 2, 2],
      data: Uint16Array.from([1, 2, 3, 4], float32ToFloat16Bits),
    });
    b.node('Cast', ['w16'], ['w'], { to: attr.int(1) });
    b.constFloat('bias', [0.5], [1]);
    b.node('Conv', ['x', 'w', 'bias'], ['conv'], {
      kernel_shape: attr.ints([2, 2]),
      pads: attr.ints([0, 0, 0, 0]),
    });
    b.constInt64('shape', [1, -1]);
    b.node('Reshape', ['conv', 'shape'], ['y']);
    b.output('y', 'float32', [1, 'n']);
    const model = b.serialize({
      producerName: 'test',
      producerVersion: '0',
      opset: 17,
      metadata: { a: 'b' },
    });

    const x = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), [1, 1, 3, 3]);
    const { y } = await run(model, { x });
    // Top-left window [1,2,4,5]·[1,2,3,4] = 1+4+12+20 = 37, plus bias.
    expect(Array.from(y!.data as Float32Array)).toEqual([37.5, 47.5, 67.5, 77.5]);
    expect(y!.dims).toEqual([1, 4]);
  });

  it('gives byte-identical output for the same graph', () => {
    const build = (): Uint8Array => {
      const b = new OnnxGraphBuilder('g');
      b.input('x', 'float32', [2]);
      b.node('Relu', ['x'], ['y']);
      b.output('y', 'float32', [2]);
      return b.serialize({
        producerName: 'p',
        producerVersion: '1',
        opset: 17,
        metadata: { z: '1', a: '2' },
      });
    };
    expect(build()).toEqual(build());
  });

  it.each([
    ['an undefined input', (b: OnnxGraphBuilder) => b.node('Relu', ['nope'], ['y']), /reads "nope"/],
    ['a duplicate name', (b: OnnxGraphBuilder) => b.node('Relu', ['x'], ['x']), /already defined/],
    [
      'a tensor whose data does not match its dims',
      (b: OnnxGraphBuilder) => b.constFloat('c', [1, 2, 3], [2, 2]),
      /dims \[2, 2\] \(4 values\) but 3 values/,
    ],
    [
      'a tensor whose array does not match its type',
      (b: OnnxGraphBuilder) =>
        b.initializer({ name: 'c', type: 'float16', dims: [1], data: new Float32Array(1) }),
      /needs a Uint16Array/,
    ],
  ])('refuses %s', (_what, act, message) => {
    const b = new OnnxGraphBuilder('g');
    b.input('x', 'float32', [1]);
    expect(() => act(b)).toThrow(message);
  });

  it('refuses an output that nothing produces', () => {
    const b = new OnnxGraphBuilder('g');
    b.output('y', 'float32', [1]);
    expect(() => b.serialize({ producerName: 'p', producerVersion: '1', opset: 17 })).toThrow(
      /never produced/,
    );
  });

  it('makes unique names', () => {
    const b = new OnnxGraphBuilder('g');
    b.input('t', 'float32', [1]);
    expect([b.uniqueName('t'), b.uniqueName('t'), b.uniqueName('u')]).toEqual(['t_1', 't_2', 'u']);
  });
});

describe('float16', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65520, 0x7c00], // rounds up past the largest half: Inf
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -14, 0x0400], // smallest normal
    [1 + 2 ** -11, 0x3c00], // tie rounds to even (down)
    [1 + 3 * 2 ** -11, 0x3c02], // tie rounds to even (up)
    [Infinity, 0x7c00],
  ])('%f <-> 0x%s', (value, bits) => {
    expect(float32ToFloat16Bits(value)).toBe(bits);
    if (Number.isFinite(value) && Math.abs(value) <= 65504) {
      expect(float16BitsToFloat32(bits)).toBeCloseTo(Math.fround(value), 3);
    }
  });

  it('maps NaN to a NaN half', () => {
    expect(Number.isNaN(float16BitsToFloat32(float32ToFloat16Bits(Number.NaN)))).toBe(true);
  });
});
