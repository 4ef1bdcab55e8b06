import { describe, expect, it } from 'vitest';
import type { StateDictTensor } from '../checkpoint/state-dict.ts';
import { writeStoredZip } from '../checkpoint/test-checkpoint-writer.ts';
import { attr, OnnxGraphBuilder } from '../onnx/onnx-builder.ts';
import { float32ToFloat16Bits } from '../onnx/float16.ts';
import { expectedParams } from './architecture.ts';
import { assertArchitecture, detectFileKind, importEmoAffectNet } from './import.ts';
import { catchCheckpointError } from '../checkpoint/checkpoint-error.test-helper.ts';

const GET_IT =
  "Use the authors' FER_static_ResNet50_AffectNet.pt " +
  '(https://huggingface.co/ElenaRyumina/face_emotion_recognition/resolve/main/FER_static_ResNet50_AffectNet.pt) or an ONNX export of it.';

/** A small ONNX model with the given signature (its body is irrelevant to the signature check). */
function onnxWith(
  input: { name: string; dims: (number | string)[] },
  outputs: { name: string; dims: (number | string)[] }[],
  options: { float16Weight?: boolean } = {},
): Uint8Array {
  const b = new OnnxGraphBuilder('g');
  b.input(input.name, 'float32', input.dims);
  b.node('GlobalAveragePool', [input.name], ['pooled']);
  b.node('Flatten', ['pooled'], ['flat'], { axis: attr.int(1) });
  for (const o of outputs) {
    const n = Number(o.dims[o.dims.length - 1]);
    if (options.float16Weight) {
      b.initializer({
        name: `${o.name}_w16`,
        type: 'float16',
        dims: [n, 3],
        data: new Uint16Array(n * 3).fill(float32ToFloat16Bits(0.5)),
      });
      b.node('Cast', [`${o.name}_w16`], [`${o.name}_w`], { to: attr.int(1) });
    } else {
      b.constFloat(`${o.name}_w`, new Float32Array(n * 3), [n, 3]);
    }
    b.node('Gemm', ['flat', `${o.name}_w`], [o.name], { transB: attr.int(1) });
    b.output(o.name, 'float32', o.dims);
  }
  return b.serialize({ producerName: 'test', producerVersion: '0', opset: 17 });
}

const INPUT = { name: 'input', dims: ['batch', 3, 224, 224] };

describe('detectFileKind', () => {
  it.each([
    [[0x50, 0x4b, 0x03, 0x04, 0], 'pytorch-zip'],
    [[0x80, 0x02, 0x8a, 0x0a], 'pytorch-legacy'],
    [[0x08, 0x08, 0x12], 'onnx-or-unknown'],
  ])('%j -> %s', (bytes, kind) => {
    expect(detectFileKind(Uint8Array.from(bytes))).toBe(kind);
  });
});

describe('importEmoAffectNet: ONNX files', () => {
  it('accepts an export with the expected signature and keeps its bytes and names', () => {
    const bytes = onnxWith({ name: 'x', dims: [1, 3, 224, 224] }, [
      { name: 'features', dims: [1, 512] },
      { name: 'output', dims: [1, 7] },
    ]);
    const imported = importEmoAffectNet(bytes);
    expect(imported.from).toBe('onnx');
    expect(imported.onnx).toBe(bytes);
    expect(imported.entry.input.name).toBe('x');
    expect(imported.entry.output).toBe('output');
    expect(imported.entry.outputs).toEqual([
      { name: 'output', shape: [1, 7] },
      { name: 'features', shape: [1, 512] },
    ]);
    expect(imported.entry.weights).toBe('float32');
    expect(imported.batchSize).toBe(1);
    expect(imported.entry.maxBatch).toBe(1);
  });

  it('refuses an export with a fixed batch of several faces, saying how to export it', () => {
    const e = catchCheckpointError(() =>
      importEmoAffectNet(onnxWith({ name: 'x', dims: [4, 3, 224, 224] }, [{ name: 'logits', dims: [4, 7] }])),
    );
    expect(e.kind).toBe('mismatch');
    expect(e.message).toBe(
      'This ONNX export has a fixed batch of 4 faces per call; export it with batch 1 or a dynamic batch axis ' +
        '(torch.onnx.export(..., dynamic_axes={"x": {0: "batch"}})).',
    );
  });

  it('records float16 weights and an export without the features output', () => {
    const imported = importEmoAffectNet(
      onnxWith(INPUT, [{ name: 'logits', dims: ['batch', 7] }], { float16Weight: true }),
    );
    expect(imported.entry.weights).toBe('float16');
    expect(imported.batchSize).toBeNull();
    expect(imported.entry.maxBatch).toBe(8);
    expect(imported.entry.outputs).toEqual([{ name: 'logits', shape: [1, 7] }]);
  });

  it('refuses an ONNX model with the wrong output shape, saying what was expected', () => {
    const e = catchCheckpointError(() =>
      importEmoAffectNet(onnxWith(INPUT, [{ name: 'logits', dims: ['batch', 8] }])),
    );
    expect(e.kind).toBe('mismatch');
    expect(e.message).toBe(
      'This ONNX model is not EMO-AffectNet\'s ResNet-50: expected an output float32 [batch, 7] (the logits; named "logits" when there are several), ' +
        `found "logits" float32 [batch, 8]. ${GET_IT}`,
    );
  });

  it('refuses an NHWC input', () => {
    const e = catchCheckpointError(() =>
      importEmoAffectNet(
        onnxWith({ name: 'image', dims: [1, 224, 224, 3] }, [{ name: 'logits', dims: [1, 7] }]),
      ),
    );
    expect(e.message).toContain(
      'expected one input float32 [batch, 3, 224, 224] (NCHW, B, G, R), found "image" float32 [1, 224, 224, 3]',
    );
  });

  it('refuses two unnamed [batch, 7] outputs as ambiguous', () => {
    const e = catchCheckpointError(() =>
      importEmoAffectNet(
        onnxWith(INPUT, [
          { name: 'a', dims: ['batch', 7] },
          { name: 'b', dims: ['batch', 7] },
        ]),
      ),
    );
    expect(e.message).toContain('named "logits" when there are several');
  });
});

describe('importEmoAffectNet: other files', () => {
  it.each([
    ['an empty file', new Uint8Array(0), 'format', `The file is empty. ${GET_IT}`],
    [
      'a legacy (pre-1.6) PyTorch pickle',
      Uint8Array.from([
        0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e,
      ]),
      'refused',
      'This is a PyTorch file in the legacy format (before PyTorch 1.6), a bare pickle that is not supported. ' +
        'Re-save it with torch.save(state_dict, path) in PyTorch 1.6 or later, or export ONNX.',
    ],
    [
      'a text file',
      new TextEncoder().encode('hello, this is not a model\n'),
      'format',
      /^The file is neither a PyTorch checkpoint \(\.pt, a ZIP\) nor an ONNX model \(.+\)\. Use the authors' /,
    ],
    [
      'a ZIP that is not a checkpoint',
      writeStoredZip([{ name: 'notes.txt', data: new Uint8Array(4) }]),
      'format',
      'The ZIP has no <name>/data.pkl, so it is not a PyTorch checkpoint.',
    ],
  ])('refuses %s', (_what, bytes, kind, message) => {
    const e = catchCheckpointError(() => importEmoAffectNet(bytes));
    expect(e.kind).toBe(kind);
    if (typeof message === 'string') expect(e.message).toContain(message);
    else expect(e.message).toMatch(message);
  });
});

describe('assertArchitecture', () => {
  const stateDict = (): Map<string, StateDictTensor> =>
    new Map(
      expectedParams().map((p) => [p.key, { dtype: p.dtype, shape: p.shape, data: new Float32Array(0) }]),
    );

  it('accepts the 322 expected keys', () => {
    expect(() => assertArchitecture(stateDict())).not.toThrow();
  });

  it('lists every problem in one error', () => {
    const sd = stateDict();
    sd.delete('layer3.2.conv2.weight');
    sd.set('layer3.2.conv9.weight', { dtype: 'float32', shape: [256, 256, 3, 3], data: new Float32Array(0) });
    sd.set('fc2.weight', { dtype: 'float32', shape: [8, 512], data: new Float32Array(0) });
    sd.set('fc2.bias', { dtype: 'float32', shape: [8], data: new Float32Array(0) });
    const e = catchCheckpointError(() => assertArchitecture(sd));
    expect(e.kind).toBe('mismatch');
    expect(e.message).toBe(
      "This checkpoint does not match EMO-AffectNet's ResNet-50 (322 keys found, 322 expected); 4 problem(s):\n" +
        '- missing 1 key(s): layer3.2.conv2.weight [256, 256, 3, 3]\n' +
        '- unexpected 1 key(s): layer3.2.conv9.weight [256, 256, 3, 3]\n' +
        '- fc2.weight: expected shape [7, 512], found [8, 512]\n' +
        '- fc2.bias: expected shape [7], found [8]\n' +
        GET_IT,
    );
  });

  it("recognises a DataParallel prefix and torchvision's ResNet-50", () => {
    const prefixed = new Map([...stateDict()].map(([k, v]) => [`module.${k}`, v]));
    expect(catchCheckpointError(() => assertArchitecture(prefixed)).message).toContain(
      'Every key starts with "module." (saved from nn.DataParallel)',
    );
    const torchvision = new Map<string, StateDictTensor>([
      ['conv1.weight', { dtype: 'float32', shape: [64, 3, 7, 7], data: new Float32Array(0) }],
      ['bn1.weight', { dtype: 'float32', shape: [64], data: new Float32Array(0) }],
      ['fc.weight', { dtype: 'float32', shape: [1000, 2048], data: new Float32Array(0) }],
    ]);
    expect(catchCheckpointError(() => assertArchitecture(torchvision)).message).toContain(
      "This looks like torchvision's ResNet-50",
    );
  });
});
