/**
 * Builds the ONNX graph of EMO-AffectNet's temporal model (./lstm-architecture.ts) from its state_dict
 * tensors, with the project's ONNX writer. Input `sequence` [batch, 10, 512] float32 (10 relu(fc1) features
 * of one face, oldest first); outputs `probabilities` [batch, 7] (the authors' softmax) and `logits`.
 *
 * Graph: Transpose to [10, batch, 512] (onnxruntime runs ONNX LSTM only with layout 0, time-major) -> LSTM
 * (hidden 512) -> Squeeze the direction axis -> LSTM (hidden 256), whose Y_h is the last step's output,
 * x[:, -1, :] in the authors' forward -> Squeeze -> Gemm (fc) -> Softmax.
 * Gate order: PyTorch stacks the gates i, f, g, o (https://pytorch.org/docs/stable/generated/torch.nn.LSTM.html);
 * ONNX stacks them i, o, f, c (https://onnx.ai/onnx/operators/onnx__LSTM.html), so the weight and bias
 * blocks are reordered here. PyTorch's two biases (b_ih, b_hh) map to ONNX B = [Wb, Rb] one to one; the
 * activations (sigmoid, tanh, tanh), no peepholes and zero initial states are both runtimes' defaults.
 * Pure: no DOM, no Node APIs, no onnxruntime.
 */
import { attr, OnnxGraphBuilder } from '../onnx/onnx-builder.ts';
import { FEATURES, NUM_CLASSES } from './architecture.ts';
import { GATES, LSTM2_HIDDEN, LSTM_LAYERS, type LstmLayerSpec, WINDOW } from './lstm-architecture.ts';
import { BATCH_DIM, OPSET, type WeightSource } from './resnet50-onnx.ts';

export const LSTM_ONNX_INPUT = 'sequence';
export const LSTM_ONNX_PROBABILITIES = 'probabilities';
export const LSTM_ONNX_LOGITS = 'logits';

/** Where each ONNX gate block (i, o, f, c) comes from in PyTorch's stacking (i, f, g, o). */
export const ONNX_GATE_FROM_PYTORCH: readonly number[] = [0, 3, 1, 2];

/**
 * Reorders the gate blocks of an LSTM weight [4 * hidden, columns] or bias [4 * hidden] (columns 1) from
 * PyTorch's i, f, g, o to ONNX's i, o, f, c.
 */
export function pytorchGatesToOnnx(values: Float32Array, hidden: number): Float32Array {
  const block = values.length / GATES;
  if (!Number.isInteger(block) || block % hidden !== 0) {
    throw new Error(
      `pytorchGatesToOnnx: ${values.length} values do not split into ${GATES} gates of ${hidden} rows`,
    );
  }
  const out = new Float32Array(values.length);
  ONNX_GATE_FROM_PYTORCH.forEach((from, to) =>
    out.set(values.subarray(from * block, (from + 1) * block), to * block),
  );
  return out;
}

/** Builds the model; `read` must return the tensors checked against expectedLstmParams(). */
export function buildEmoAffectNetLstmOnnx(read: WeightSource): Uint8Array {
  const b = new OnnxGraphBuilder('emo_affectnet_lstm');
  b.input(LSTM_ONNX_INPUT, 'float32', [BATCH_DIM, WINDOW, FEATURES]);
  b.node('Transpose', [LSTM_ONNX_INPUT], ['time_major'], { perm: attr.ints([1, 0, 2]) }, 'time_major');

  /** One PyTorch nn.LSTM layer as an ONNX LSTM; returns [Y, Y_h] ([seq, 1, batch, H], [1, batch, H]). */
  const lstmLayer = (input: string, layer: LstmLayerSpec): [string, string] => {
    const { name, inputSize, hidden } = layer;
    const w = b.initializer({
      name: `${name}.W`,
      type: 'float32',
      dims: [1, GATES * hidden, inputSize],
      data: pytorchGatesToOnnx(read(`${name}.weight_ih_l0`), hidden),
    });
    const r = b.initializer({
      name: `${name}.R`,
      type: 'float32',
      dims: [1, GATES * hidden, hidden],
      data: pytorchGatesToOnnx(read(`${name}.weight_hh_l0`), hidden),
    });
    const bias = new Float32Array(2 * GATES * hidden);
    bias.set(pytorchGatesToOnnx(read(`${name}.bias_ih_l0`), hidden));
    bias.set(pytorchGatesToOnnx(read(`${name}.bias_hh_l0`), hidden), GATES * hidden);
    const bName = b.initializer({
      name: `${name}.B`,
      type: 'float32',
      dims: [1, 2 * GATES * hidden],
      data: bias,
    });
    const outputs: [string, string] = [`${name}_y`, `${name}_h`];
    b.node('LSTM', [input, w, r, bName], outputs, { hidden_size: attr.int(hidden) }, name);
    return outputs;
  };

  const [lstm1, lstm2] = LSTM_LAYERS as [LstmLayerSpec, LstmLayerSpec];
  const [y1] = lstmLayer('time_major', lstm1);
  // [seq, num_directions = 1, batch, 512] -> [seq, batch, 512], the next layer's input.
  b.node('Squeeze', [y1, b.constInt64('direction_axis', [1])], ['lstm1_out'], {}, 'lstm1_squeeze');
  const [, h2] = lstmLayer('lstm1_out', lstm2);
  b.node('Squeeze', [h2, b.constInt64('first_axis', [0])], ['last_step'], {}, 'lstm2_squeeze');
  b.node(
    'Gemm',
    [
      'last_step',
      b.initializer({
        name: 'fc.weight',
        type: 'float32',
        dims: [NUM_CLASSES, LSTM2_HIDDEN],
        data: read('fc.weight'),
      }),
      b.initializer({ name: 'fc.bias', type: 'float32', dims: [NUM_CLASSES], data: read('fc.bias') }),
    ],
    [LSTM_ONNX_LOGITS],
    { transB: attr.int(1) },
    'fc',
  );
  b.node('Softmax', [LSTM_ONNX_LOGITS], [LSTM_ONNX_PROBABILITIES], { axis: attr.int(1) }, 'softmax');
  b.output(LSTM_ONNX_PROBABILITIES, 'float32', [BATCH_DIM, NUM_CLASSES]);
  b.output(LSTM_ONNX_LOGITS, 'float32', [BATCH_DIM, NUM_CLASSES]);

  return b.serialize({
    producerName: 'affect-lens emo-affectnet import',
    producerVersion: '1',
    opset: OPSET,
    docString:
      'EMO-AffectNet temporal model (LSTMPyTorch: LSTM 512 -> LSTM 256 -> Linear 7 -> softmax), rebuilt from a ' +
      'PyTorch state_dict. Input: 10 relu(fc1) features of the static ResNet-50, sampled at 5 fps (2 s), ' +
      'oldest first. Outputs: probabilities (softmax) and logits, labels in the ResNet-50 order.',
    metadata: { model: 'emo-affectnet-lstm' },
  });
}
