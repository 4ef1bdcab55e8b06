import { describe, expect, it } from 'vitest';
import { expectedParams } from './architecture.ts';
import { readOnnxSignature } from './onnx-signature.ts';
import { buildEmoAffectNetOnnx, foldBatchNorm, tfSamePadding } from './resnet50-onnx.ts';

describe("tfSamePadding (the authors' Conv2dSame)", () => {
  it.each([
    [224, 7, 2, [2, 3]],
    [225, 7, 2, [3, 3]],
    [223, 7, 2, [3, 3]],
    [128, 7, 2, [2, 3]],
    [112, 3, 1, [1, 1]],
    [112, 3, 2, [0, 1]],
    [55, 1, 2, [0, 0]],
    [5, 7, 1, [3, 3]],
  ])('input %i, kernel %i, stride %i -> %j', (size, kernel, stride, expected) => {
    expect(tfSamePadding(size, kernel, stride)).toEqual(expected);
  });
});

describe('foldBatchNorm', () => {
  it('equals conv then eval-mode BatchNorm, computed in float64 and rounded once', () => {
    // Two output channels, each with a 1x1x2 kernel.
    const w = Float32Array.from([1, -2, 0.5, 4]);
    const bn = {
      weight: Float32Array.from([2, 0.5]),
      bias: Float32Array.from([0.1, -1]),
      runningMean: Float32Array.from([3, -2]),
      runningVar: Float32Array.from([4, 0.25]),
    };
    const eps = 0.001;
    const folded = foldBatchNorm(w, bn, eps);
    const s0 = 2 / Math.sqrt(4 + eps);
    const s1 = 0.5 / Math.sqrt(0.25 + eps);
    expect(Array.from(folded.weight)).toEqual([1 * s0, -2 * s0, 0.5 * s1, 4 * s1].map(Math.fround));
    // bn.bias holds float32(0.1); the subtraction is float64, rounded once.
    expect(Array.from(folded.bias)).toEqual([
      Math.fround(Math.fround(0.1) - 3 * s0),
      Math.fround(-1 + 2 * s1),
    ]);
    // The folded conv gives the same answer as conv-then-BN on an input (x0, x1) = (0.3, -0.7).
    const x = [0.3, -0.7];
    for (let c = 0; c < 2; c++) {
      const conv = w[2 * c]! * x[0]! + w[2 * c + 1]! * x[1]!;
      const reference =
        ((conv - bn.runningMean[c]!) / Math.sqrt(bn.runningVar[c]! + eps)) * bn.weight[c]! + bn.bias[c]!;
      const viaFold = folded.weight[2 * c]! * x[0]! + folded.weight[2 * c + 1]! * x[1]! + folded.bias[c]!;
      expect(viaFold).toBeCloseTo(reference, 6);
    }
  });

  it("refuses weights that do not split into the BatchNorm's channels", () => {
    const bn = {
      weight: new Float32Array(3),
      bias: new Float32Array(3),
      runningMean: new Float32Array(3),
      runningVar: new Float32Array(3),
    };
    expect(() => foldBatchNorm(new Float32Array(4), bn, 0.001)).toThrow(
      '4 conv weights do not split into 3 output channels',
    );
  });
});

describe('buildEmoAffectNetOnnx', () => {
  // Constant weights are enough for the graph's signature and size; numerics are in the golden test.
  const params = new Map(
    expectedParams().map((p) => [p.key, new Float32Array(p.shape.reduce((a, b) => a * b, 1)).fill(0.5)]),
  );
  const read = (key: string): Float32Array => params.get(key)!;

  it('declares input [batch, 3, 224, 224] and outputs logits [batch, 7], features [batch, 512]; float16 halves the size', () => {
    const fp32 = buildEmoAffectNetOnnx(read);
    const fp16 = buildEmoAffectNetOnnx(read, { weights: 'float16' });
    for (const model of [fp32, fp16]) {
      const signature = readOnnxSignature(model);
      expect(signature.inputs).toEqual([{ name: 'input', elemType: 1, dims: ['batch', 3, 224, 224] }]);
      expect(signature.outputs).toEqual([
        { name: 'logits', elemType: 1, dims: ['batch', 7] },
        { name: 'features', elemType: 1, dims: ['batch', 512] },
      ]);
    }
    // 23.5 M weights: 4 bytes each, or 2 with float16 (biases stay float32).
    expect(fp32.length).toBeGreaterThan(23_500_000 * 4);
    expect(fp16.length / fp32.length).toBeCloseTo(0.5, 2);
    expect(readOnnxSignature(fp16).initializerTypes.get(10)).toBe(53 + 2); // 53 convs (stem, 48 in blocks, 4 downsamples) + fc1 + fc2
  }, 60_000);
});
