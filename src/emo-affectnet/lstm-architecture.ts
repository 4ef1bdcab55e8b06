/**
 * EMO-AffectNet's temporal models, `FER_dinamic_LSTM_<corpus>.pt` (../../../shared/MODELS.md section 2): the
 * authors' PyTorch class LSTMPyTorch, LSTM(512 -> 512) -> LSTM(512 -> 256) -> Linear(256 -> 7) on the last
 * step -> softmax, over a window of 10 ResNet-50 features (relu(fc1), ./resnet50-onnx.ts ONNX_FEATURES)
 * sampled at 5 fps: 2 s of a face. Both LSTMs are single-layer, unidirectional, batch_first, with biases,
 * so the state_dict has 10 keys with PyTorch's nn.LSTM names (weight_ih_l0, weight_hh_l0, bias_ih_l0,
 * bias_hh_l0; gates stacked i, f, g, o). Labels are in the ResNet-50's output order.
 */
import { FEATURES, linear, NUM_CLASSES, type ParamSpec } from './architecture.ts';

/** Feature vectors per window (the authors' `win = 10`). */
export const WINDOW = 10;
/** The rate the window is sampled at: 10 samples at 5 fps span 2 s. */
export const SAMPLE_FPS = 5;
export const LSTM1_HIDDEN = 512;
export const LSTM2_HIDDEN = 256;
/** PyTorch stacks the 4 gates' weights along the first axis. */
export const GATES = 4;

export interface LstmLayerSpec {
  /** State_dict prefix: "lstm1" or "lstm2". */
  name: string;
  inputSize: number;
  hidden: number;
}

export const LSTM_LAYERS: readonly LstmLayerSpec[] = [
  { name: 'lstm1', inputSize: FEATURES, hidden: LSTM1_HIDDEN },
  { name: 'lstm2', inputSize: LSTM1_HIDDEN, hidden: LSTM2_HIDDEN },
];

function lstm(layer: LstmLayerSpec): ParamSpec[] {
  const { name, inputSize, hidden } = layer;
  return [
    { key: `${name}.weight_ih_l0`, shape: [GATES * hidden, inputSize], dtype: 'float32' },
    { key: `${name}.weight_hh_l0`, shape: [GATES * hidden, hidden], dtype: 'float32' },
    { key: `${name}.bias_ih_l0`, shape: [GATES * hidden], dtype: 'float32' },
    { key: `${name}.bias_hh_l0`, shape: [GATES * hidden], dtype: 'float32' },
  ];
}

/** Every state_dict entry of LSTMPyTorch, in the order PyTorch writes them (10 keys). */
export function expectedLstmParams(): ParamSpec[] {
  return [...LSTM_LAYERS.flatMap(lstm), ...linear('fc', NUM_CLASSES, LSTM2_HIDDEN)];
}
