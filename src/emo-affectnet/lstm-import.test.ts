import { describe, expect, it } from 'vitest';
import { type TestTensor, writeStateDictCheckpoint } from '../checkpoint/test-checkpoint-writer.ts';
import { attr, OnnxGraphBuilder } from '../onnx/onnx-builder.ts';
import { expectedParams } from './architecture.ts';
import { importEmoAffectNet } from './import.ts';
import { expectedLstmParams } from './lstm-architecture.ts';
import { importEmoAffectNetLstm } from './lstm-import.ts';
import { pytorchGatesToOnnx } from './lstm-onnx.ts';
import { readOnnxSignature } from './onnx-signature.ts';
import { catchCheckpointError } from '../checkpoint/checkpoint-error.test-helper.ts';

const GET_IT =
  "Use one of the authors' temporal models, FER_dinamic_LSTM_<corpus>.pt (e.g. FER_dinamic_LSTM_Aff-Wild2.pt, " +
  'https://huggingface.co/ElenaRyumina/face_emotion_recognition), or an ONNX export of it.';

/** A state_dict of the given specs, zero-filled (the key and shape checks never look at values). */
function checkpointOf(specs: readonly { key: string; shape: readonly number[] }[]): Uint8Array {
  const tensors = new Map<string, TestTensor>();
  for (const p of specs) {
    const count = p.shape.reduce((a, b) => a * b, 1);
    tensors.set(p.key, { dtype: 'float32', shape: p.shape, data: new Float32Array(count) });
  }
  return writeStateDictCheckpoint(tensors, 'FER_dinamic_LSTM_Aff-Wild2');
}

/** A small ONNX model with the given signature (its body is irrelevant to the signature check). */
function onnxWith(inputDims: (number | string)[], outputs: { name: string; dims: (number | string)[] }[]) {
  const b = new OnnxGraphBuilder('g');
  b.input('x', 'float32', inputDims);
  b.node('ReduceMean', ['x', b.constInt64('axes', [1])], ['pooled'], { keepdims: attr.int(0) });
  for (const o of outputs) {
    b.constFloat(`${o.name}_w`, new Float32Array(7 * 512), [7, 512]);
    b.node('Gemm', ['pooled', `${o.name}_w`], [o.name], { transB: attr.int(1) });
    b.output(o.name, 'float32', o.dims);
  }
  return b.serialize({ producerName: 'test', producerVersion: '0', opset: 17 });
}

describe('pytorchGatesToOnnx', () => {
  it('moves the gate blocks from i, f, g, o to i, o, f, c', () => {
    // hidden 1, 2 columns: one 2-value block per gate.
    const pytorch = Float32Array.from([1, 1, 2, 2, 3, 3, 4, 4]); // i f g o
    expect(Array.from(pytorchGatesToOnnx(pytorch, 1))).toEqual([1, 1, 4, 4, 2, 2, 3, 3]); // i o f c
    // A bias (columns 1), hidden 2.
    expect(Array.from(pytorchGatesToOnnx(Float32Array.from([1, 1, 2, 2, 3, 3, 4, 4]), 2))).toEqual([
      1, 1, 4, 4, 2, 2, 3, 3,
    ]);
  });

  it('refuses values that do not split into 4 gates', () => {
    expect(() => pytorchGatesToOnnx(new Float32Array(6), 1)).toThrow(
      '6 values do not split into 4 gates of 1 rows',
    );
  });
});

describe('importEmoAffectNetLstm', () => {
  it('has the 10 keys of LSTMPyTorch, in PyTorch order', () => {
    expect(expectedLstmParams().map((p) => `${p.key} [${p.shape.join(', ')}]`)).toEqual([
      'lstm1.weight_ih_l0 [2048, 512]',
      'lstm1.weight_hh_l0 [2048, 512]',
      'lstm1.bias_ih_l0 [2048]',
      'lstm1.bias_hh_l0 [2048]',
      'lstm2.weight_ih_l0 [1024, 512]',
      'lstm2.weight_hh_l0 [1024, 256]',
      'lstm2.bias_ih_l0 [1024]',
      'lstm2.bias_hh_l0 [1024]',
      'fc.weight [7, 256]',
      'fc.bias [7]',
    ]);
  });

  it('builds ONNX [batch, 10, 512] -> probabilities [batch, 7] from a state_dict', () => {
    const imported = importEmoAffectNetLstm(checkpointOf(expectedLstmParams()));
    expect(imported.from).toBe('pytorch');
    const signature = readOnnxSignature(imported.onnx);
    expect(signature.inputs).toEqual([{ name: 'sequence', elemType: 1, dims: ['batch', 10, 512] }]);
    expect(signature.outputs.map((o) => [o.name, o.dims])).toEqual([
      ['probabilities', ['batch', 7]],
      ['logits', ['batch', 7]],
    ]);
    expect(imported.entry).toMatchObject({
      id: 'emo-affectnet-lstm',
      kind: 'temporal',
      featuresOf: 'emo-affectnet',
      input: { name: 'sequence', shape: [1, 10, 512] },
      output: 'probabilities',
      outputIsProbability: true,
      window: 10,
      sampleFps: 5,
      labels: ['neutral', 'happiness', 'sadness', 'surprise', 'fear', 'disgust', 'anger'],
    });
  });

  it('lists every wrong key and shape at once', () => {
    const specs = expectedLstmParams()
      .filter((p) => p.key !== 'lstm2.bias_hh_l0')
      .map((p) => (p.key === 'fc.weight' ? { ...p, shape: [8, 256] } : p));
    specs.push({ key: 'lstm3.weight_ih_l0', shape: [4, 4], dtype: 'float32' });
    const e = catchCheckpointError(() => importEmoAffectNetLstm(checkpointOf(specs)));
    expect(e.kind).toBe('mismatch');
    expect(e.message).toBe(
      "This checkpoint does not match EMO-AffectNet's temporal LSTM (10 keys found, 10 expected); 3 problem(s):\n" +
        '- missing 1 key(s): lstm2.bias_hh_l0 [1024]\n' +
        '- unexpected 1 key(s): lstm3.weight_ih_l0 [4, 4]\n' +
        '- fc.weight: expected shape [7, 256], found [8, 256]\n' +
        GET_IT,
    );
  });

  it('says so when given the static ResNet-50 instead', () => {
    const e = catchCheckpointError(() =>
      importEmoAffectNetLstm(checkpointOf(expectedParams().filter((p) => p.dtype === 'float32'))),
    );
    expect(e.kind).toBe('mismatch');
    expect(e.message).toBe(
      "This is EMO-AffectNet's static ResNet-50 (FER_static_ResNet50_AffectNet.pt), the main model, not its " +
        `temporal LSTM. ${GET_IT}`,
    );
  });

  it('the ResNet-50 import says so when given the LSTM', () => {
    const e = catchCheckpointError(() => importEmoAffectNet(checkpointOf(expectedLstmParams())));
    expect(e.kind).toBe('mismatch');
    expect(e.message).toMatch(
      /^This is one of EMO-AffectNet's temporal LSTMs \(FER_dinamic_LSTM_<corpus>\.pt\)/,
    );
  });

  it('refuses a truncated file and an empty one', () => {
    const pt = checkpointOf(expectedLstmParams());
    const cut = pt.subarray(0, Math.floor(pt.length / 2));
    expect(catchCheckpointError(() => importEmoAffectNetLstm(cut)).message).toBe(
      `ZIP: no end-of-central-directory record at the end of the file (${cut.length} bytes). The file is truncated or damaged: download or copy it again.`,
    );
    expect(catchCheckpointError(() => importEmoAffectNetLstm(new Uint8Array(0))).message).toBe(
      `The file is empty. ${GET_IT}`,
    );
  });

  it('accepts an ONNX export and keeps its bytes; refuses one with another signature', () => {
    const ok = onnxWith(['batch', 10, 512], [{ name: 'output', dims: ['batch', 7] }]);
    const imported = importEmoAffectNetLstm(ok);
    expect(imported.from).toBe('onnx');
    expect(imported.onnx).toBe(ok);
    expect(imported.entry).toMatchObject({
      input: { name: 'x' },
      output: 'output',
      outputIsProbability: true,
    });

    const e = catchCheckpointError(() =>
      importEmoAffectNetLstm(onnxWith(['batch', 16, 512], [{ name: 'y', dims: ['batch', 7] }])),
    );
    expect(e.message).toBe(
      "This ONNX model is not EMO-AffectNet's temporal LSTM: expected one input float32 [batch, 10, 512], " +
        `found "x" float32 [batch, 16, 512]. ${GET_IT}`,
    );
  });

  it('takes its own ONNX back', () => {
    const built = importEmoAffectNetLstm(checkpointOf(expectedLstmParams()));
    expect(importEmoAffectNetLstm(built.onnx).entry).toEqual(built.entry);
  });
});
