/**
 * Builds the ONNX graph of EMO-AffectNet's ResNet-50 (./architecture.ts, ../../../shared/MODELS.md section 2)
 * from its state_dict tensors, with the project's ONNX writer. Input `input` [batch, 3, 224, 224] float32
 * (B, G, R minus the means; 'batch' is symbolic so all faces of a frame run in one call); outputs `logits`
 * [batch, 7] (no softmax) and `features` [batch, 512] = relu(fc1), what the authors' temporal models consume.
 *
 * BatchNorm is folded into the convolution before it: w' = w * s, b' = beta - mean * s with
 * s = gamma / sqrt(running_var + eps), computed in float64 from the float32 parameters and rounded to float32
 * once, so the folded graph differs from PyTorch's conv-then-BatchNorm only by float32 rounding (measured
 * against PyTorch in tests/emo-affectnet/import.golden.test.ts). Pure: no DOM, no Node APIs, no onnxruntime.
 */
import { attr, OnnxGraphBuilder } from '../onnx/onnx-builder.ts';
import { float32ToFloat16Bits } from '../onnx/float16.ts';
import {
  BN_EPS,
  bottlenecks,
  FEATURES,
  INPUT_CHANNELS,
  INPUT_SIZE,
  MAX_POOL,
  NUM_CLASSES,
  STEM_KERNEL,
  STEM_STRIDE,
} from './architecture.ts';

export const ONNX_INPUT = 'input';
export const ONNX_LOGITS = 'logits';
export const ONNX_FEATURES = 'features';
/** Name of the symbolic batch dimension of the input and outputs. */
export const BATCH_DIM = 'batch';
export const OPSET = 17;

export type WeightStorage = 'float32' | 'float16';

export interface BuildOptions {
  /**
   * 'float16' stores conv and fc weights as IEEE half (Cast to float32 inside the graph): half the file
   * size, slightly different outputs (tolerance in the golden test). Biases stay float32 (tiny, and the
   * folded biases carry the BatchNorm shift). Default 'float32'.
   */
  weights?: WeightStorage;
}

/** Reads a float32 tensor of the checked state_dict by key. */
export type WeightSource = (key: string) => Float32Array;

/**
 * TensorFlow 'SAME' padding along one axis: total = max((ceil(i/s) - 1) * s + (k - 1) * d + 1 - i, 0),
 * the smaller half before, the larger after (the authors' Conv2dSame). At 224, k 7, s 2: [2, 3].
 */
export function tfSamePadding(
  inputSize: number,
  kernel: number,
  stride: number,
  dilation = 1,
): [number, number] {
  const total = Math.max(
    (Math.ceil(inputSize / stride) - 1) * stride + (kernel - 1) * dilation + 1 - inputSize,
    0,
  );
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export interface FoldedConv {
  weight: Float32Array;
  bias: Float32Array;
}

/** Folds an eval-mode BatchNorm into the conv weights before it (see the file comment). */
export function foldBatchNorm(
  convWeight: Float32Array,
  bn: { weight: Float32Array; bias: Float32Array; runningMean: Float32Array; runningVar: Float32Array },
  eps: number,
): FoldedConv {
  const channels = bn.weight.length;
  if (convWeight.length % channels !== 0) {
    throw new Error(
      `foldBatchNorm: ${convWeight.length} conv weights do not split into ${channels} output channels`,
    );
  }
  const perChannel = convWeight.length / channels;
  const weight = new Float32Array(convWeight.length);
  const bias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const scale = bn.weight[c]! / Math.sqrt(bn.runningVar[c]! + eps);
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) weight[i] = convWeight[i]! * scale;
    bias[c] = bn.bias[c]! - bn.runningMean[c]! * scale;
  }
  return { weight, bias };
}

/** Builds the model; `read` must return the tensors checked by architecture.checkParams. */
export function buildEmoAffectNetOnnx(read: WeightSource, options: BuildOptions = {}): Uint8Array {
  const storage = options.weights ?? 'float32';
  const b = new OnnxGraphBuilder('emo_affectnet_resnet50');
  b.input(ONNX_INPUT, 'float32', [BATCH_DIM, INPUT_CHANNELS, INPUT_SIZE, INPUT_SIZE]);

  /** A weight initializer; in float16 mode stored as half and cast back to float32 in the graph. */
  const weightTensor = (name: string, dims: number[], data: Float32Array): string => {
    if (storage === 'float32') return b.initializer({ name, type: 'float32', dims, data });
    // A plain loop: Uint16Array.from(data, fn) is about 20x slower on 23.5 M weights.
    const bits = new Uint16Array(data.length);
    for (let i = 0; i < data.length; i++) bits[i] = float32ToFloat16Bits(data[i]!);
    const half = b.initializer({ name: `${name}_fp16`, type: 'float16', dims, data: bits });
    b.node('Cast', [half], [name], { to: attr.int(1) }, `${name}_cast`);
    return name;
  };

  /** Conv (no bias in the checkpoint) + its BatchNorm, folded into one Conv with a bias. */
  const convBn = (
    input: string,
    conv: string,
    bn: string,
    kernel: number,
    stride: number,
    pads: [number, number, number, number],
    output: string,
  ): string => {
    const w = read(`${conv}.weight`);
    const folded = foldBatchNorm(
      w,
      {
        weight: read(`${bn}.weight`),
        bias: read(`${bn}.bias`),
        runningMean: read(`${bn}.running_mean`),
        runningVar: read(`${bn}.running_var`),
      },
      BN_EPS,
    );
    const outChannels = folded.bias.length;
    const weight = weightTensor(
      `${conv}.weight`,
      [outChannels, w.length / outChannels / kernel / kernel, kernel, kernel],
      folded.weight,
    );
    const bias = b.initializer({
      name: `${conv}.bias`,
      type: 'float32',
      dims: [outChannels],
      data: folded.bias,
    });
    b.node(
      'Conv',
      [input, weight, bias],
      [output],
      {
        kernel_shape: attr.ints([kernel, kernel]),
        strides: attr.ints([stride, stride]),
        pads: attr.ints(pads),
      },
      conv,
    );
    return output;
  };
  const relu = (input: string, output: string): string => {
    b.node('Relu', [input], [output], {}, output);
    return output;
  };

  // Stem: TF-SAME padding, asymmetric (ONNX pads order: top, left, bottom, right).
  const [padBefore, padAfter] = tfSamePadding(INPUT_SIZE, STEM_KERNEL, STEM_STRIDE);
  let x = convBn(
    ONNX_INPUT,
    'conv_layer_s2_same',
    'batch_norm1',
    STEM_KERNEL,
    STEM_STRIDE,
    [padBefore, padBefore, padAfter, padAfter],
    'stem',
  );
  x = relu(x, 'stem_relu');
  // 3x3 stride 2 without padding: 112 -> 55.
  b.node(
    'MaxPool',
    [x],
    ['max_pool'],
    {
      kernel_shape: attr.ints([MAX_POOL.kernel, MAX_POOL.kernel]),
      strides: attr.ints([MAX_POOL.stride, MAX_POOL.stride]),
    },
    'max_pool',
  );
  x = 'max_pool';

  for (const blk of bottlenecks()) {
    const p = blk.prefix;
    // The stride sits on conv1 (1x1); conv2 is 3x3 stride 1 'same' (1 pixel each side).
    let y = relu(
      convBn(x, `${p}.conv1`, `${p}.batch_norm1`, 1, blk.stride, [0, 0, 0, 0], `${p}.conv1_out`),
      `${p}.relu1`,
    );
    y = relu(convBn(y, `${p}.conv2`, `${p}.batch_norm2`, 3, 1, [1, 1, 1, 1], `${p}.conv2_out`), `${p}.relu2`);
    y = convBn(y, `${p}.conv3`, `${p}.batch_norm3`, 1, 1, [0, 0, 0, 0], `${p}.conv3_out`);
    const identity = blk.downsample
      ? convBn(
          x,
          `${p}.i_downsample.0`,
          `${p}.i_downsample.1`,
          1,
          blk.stride,
          [0, 0, 0, 0],
          `${p}.downsample_out`,
        )
      : x;
    b.node('Add', [y, identity], [`${p}.add`], {}, `${p}.add`);
    x = relu(`${p}.add`, `${p}.out`);
  }

  b.node('GlobalAveragePool', [x], ['avgpool'], {}, 'avgpool');
  b.node('Flatten', ['avgpool'], ['flatten'], { axis: attr.int(1) }, 'flatten');
  const gemm = (
    input: string,
    key: string,
    inFeatures: number,
    outFeatures: number,
    output: string,
  ): void => {
    const weight = weightTensor(`${key}.weight`, [outFeatures, inFeatures], read(`${key}.weight`));
    const bias = b.initializer({
      name: `${key}.bias`,
      type: 'float32',
      dims: [outFeatures],
      data: read(`${key}.bias`),
    });
    b.node('Gemm', [input, weight, bias], [output], { transB: attr.int(1) }, key);
  };
  gemm('flatten', 'fc1', read('fc1.weight').length / FEATURES, FEATURES, 'fc1_out');
  relu('fc1_out', ONNX_FEATURES);
  gemm(ONNX_FEATURES, 'fc2', FEATURES, NUM_CLASSES, ONNX_LOGITS);
  b.output(ONNX_LOGITS, 'float32', [BATCH_DIM, NUM_CLASSES]);
  b.output(ONNX_FEATURES, 'float32', [BATCH_DIM, FEATURES]);

  return b.serialize({
    producerName: 'affect-lens emo-affectnet import',
    producerVersion: '1',
    opset: OPSET,
    docString:
      'EMO-AffectNet static ResNet-50 (Ryumina, Dresvyanskiy, Karpov, Neurocomputing 2022), rebuilt from a ' +
      'PyTorch state_dict with BatchNorm folded into the convolutions. Input: B, G, R pixels minus ' +
      '(91.4953, 103.8827, 131.0912), NCHW 224x224. Outputs: logits (no softmax) and relu(fc1) features.',
    metadata: { model: 'emo-affectnet', weights: storage },
  });
}
