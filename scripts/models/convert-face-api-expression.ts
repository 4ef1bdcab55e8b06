/**
 * face-api's FaceExpressionNet (@vladmandic/face-api 1.7.15, MIT). The package ships weights only (uint8-quantised
 * TFJS weights manifest); the architecture is written in its source, and is rebuilt here op for op:
 * - src/faceFeatureExtractor/FaceFeatureExtractor.ts forwardInput: denseBlock4 x4 (dense0 starts with a plain
 *   conv), then avgPool 7x7 stride 2 'valid';
 * - src/faceFeatureExtractor/denseBlock.ts denseBlock4: 3x3 stride-2 'same' first conv + relu, then three
 *   depthwise-separable convs with dense (sum) connections and relus;
 * - src/common/depthwiseSeparableConv.ts: tf.separableConv2d(..., 'same') + bias;
 * - src/faceProcessor/FaceProcessor.ts runNet: flatten + fullyConnectedLayer (matMul + bias);
 * - src/faceExpressionNet/FaceExpressionNet.ts forwardInput: softmax.
 * The ONNX model takes the normalised NHWC tensor ("input" [N,112,112,3]) and returns probabilities.
 */
import { attr, OnnxGraphBuilder } from '../../src/onnx/onnx-builder.ts';
import type { Emotion } from '../../src/ml/emotions.ts';
import { CLASSIFIER_MAX_BATCH, type ConvertedModel } from './converted-model.ts';
import {
  depthwiseToOnnx,
  emitBinary,
  emitConv,
  emitPool,
  emitUnary,
  hwioToOihw,
  NHWC_TO_NCHW,
  type NchwValue,
} from './tfjs/nchw-layers.ts';
import { pinnedPackageFile, TFJS_CONVERTER_PRODUCER } from './tfjs/pinned-package.ts';
import { readWeightsManifest, requireFloatWeight, type TfjsWeightMap } from './tfjs/tfjs-weights.ts';

const PACKAGE = '@vladmandic/face-api';
const VERSION = '1.7.15';
const MANIFEST_PATH = 'model/face_expression_model-weights_manifest.json';
const INPUT = 'input';
const OUTPUT = 'probabilities';
const INPUT_SIZE = 112;

/** src/faceExpressionNet/FaceExpressions.ts FACE_EXPRESSION_LABELS, in output order. */
const SOURCE_LABELS = ['neutral', 'happy', 'sad', 'angry', 'fearful', 'disgusted', 'surprised'] as const;
const CANONICAL: Record<(typeof SOURCE_LABELS)[number], Emotion> = {
  neutral: 'neutral',
  happy: 'happiness',
  sad: 'sadness',
  angry: 'anger',
  fearful: 'fear',
  disgusted: 'disgust',
  surprised: 'surprise',
};

class ExpressionNetBuilder {
  readonly b = new OnnxGraphBuilder('face_api_expression');

  constructor(private readonly weights: TfjsWeightMap) {}

  private convWeight(name: string, depthwise: boolean): { name: string; dims: number[] } {
    const w = requireFloatWeight(this.weights, name);
    if (w.shape.length !== 4)
      throw new Error(`face-api weight "${name}": expected 4-D, got [${w.shape.join(', ')}]`);
    const folded = depthwise ? depthwiseToOnnx(w.data, w.shape) : hwioToOihw(w.data, w.shape);
    this.b.initializer({ name, type: 'float32', dims: folded.dims, data: folded.data });
    return { name, dims: folded.dims };
  }

  private bias(name: string): string {
    const w = requireFloatWeight(this.weights, name);
    return this.b.initializer({ name, type: 'float32', dims: w.shape, data: w.data });
  }

  /** denseBlock4's first conv of dense0: tf.conv2d(x, filters, 2, 'same') + bias. */
  private plainConv(x: NchwValue, prefix: string): NchwValue {
    const w = this.convWeight(`${prefix}/filters`, false);
    return emitConv(this.b, x, {
      output: prefix,
      weight: w.name,
      weightDims: w.dims,
      bias: this.bias(`${prefix}/bias`),
      strides: [2, 2],
      padding: 'SAME',
    });
  }

  /** depthwiseSeparableConv: depthwise (stride, 'same', no bias) -> pointwise 1x1 + bias. */
  private separableConv(x: NchwValue, prefix: string, stride: 1 | 2): NchwValue {
    const dw = this.convWeight(`${prefix}/depthwise_filter`, true);
    const depthwise = emitConv(this.b, x, {
      output: `${prefix}/depthwise`,
      weight: dw.name,
      weightDims: dw.dims,
      strides: [stride, stride],
      padding: 'SAME',
      group: x.shape[1],
    });
    const pw = this.convWeight(`${prefix}/pointwise_filter`, false);
    return emitConv(this.b, depthwise, {
      output: prefix,
      weight: pw.name,
      weightDims: pw.dims,
      bias: this.bias(`${prefix}/bias`),
      strides: [1, 1],
      padding: 'VALID',
    });
  }

  /** denseBlock4 with isScaleDown = true; the sums keep TFJS's association order (same float rounding). */
  denseBlock4(x: NchwValue, block: string, isFirstLayer: boolean): NchwValue {
    const b = this.b;
    const conv0 = isFirstLayer
      ? this.plainConv(x, `${block}/conv0`)
      : this.separableConv(x, `${block}/conv0`, 2);
    const out1 = emitUnary(b, 'Relu', conv0, `${block}/out1`);
    const out2 = this.separableConv(out1, `${block}/conv1`, 1);
    const in3 = emitUnary(b, 'Relu', emitBinary(b, 'Add', out1, out2, `${block}/sum12`), `${block}/in3`);
    const out3 = this.separableConv(in3, `${block}/conv2`, 1);
    const sum23 = emitBinary(b, 'Add', out2, out3, `${block}/sum23`);
    const in4 = emitUnary(b, 'Relu', emitBinary(b, 'Add', out1, sum23, `${block}/sum123`), `${block}/in4`);
    const out4 = this.separableConv(in4, `${block}/conv3`, 1);
    const sum34 = emitBinary(b, 'Add', out3, out4, `${block}/sum34`);
    const sum234 = emitBinary(b, 'Add', out2, sum34, `${block}/sum234`);
    return emitUnary(b, 'Relu', emitBinary(b, 'Add', out1, sum234, `${block}/sum1234`), `${block}/out`);
  }

  build(): OnnxGraphBuilder {
    const b = this.b;
    b.input(INPUT, 'float32', ['batch', INPUT_SIZE, INPUT_SIZE, 3]);
    // The one NHWC -> NCHW transpose; the model's interface stays NHWC like face-api's input tensor.
    b.node('Transpose', [INPUT], ['input/nchw'], { perm: attr.ints(NHWC_TO_NCHW) }, 'input/nchw');
    let x: NchwValue = { name: 'input/nchw', shape: [-1, 3, INPUT_SIZE, INPUT_SIZE] };
    x = this.denseBlock4(x, 'dense0', true);
    x = this.denseBlock4(x, 'dense1', false);
    x = this.denseBlock4(x, 'dense2', false);
    x = this.denseBlock4(x, 'dense3', false);
    const pooled = emitPool(b, 'AveragePool', x, {
      output: 'features',
      kernel: [7, 7],
      strides: [2, 2],
      padding: 'VALID',
    });
    if (pooled.shape.slice(1).join() !== '256,1,1') {
      throw new Error(
        `face-api expression net: features should be [N,256,1,1], are [${pooled.shape.join(', ')}]`,
      );
    }
    // [N,256,1,1] flattens to the same order as TFJS's NHWC [N,1,1,256].as2D(N, -1).
    b.node('Flatten', ['features'], ['features/flat'], { axis: attr.int(1) }, 'features/flat');
    const fcWeights = requireFloatWeight(this.weights, 'fc/weights', [256, 7]);
    b.initializer({ name: 'fc/weights', type: 'float32', dims: fcWeights.shape, data: fcWeights.data });
    b.node('Gemm', ['features/flat', 'fc/weights', this.bias('fc/bias')], ['logits'], {}, 'fc');
    b.node('Softmax', ['logits'], [OUTPUT], { axis: attr.int(-1) }, 'softmax');
    b.output(OUTPUT, 'float32', ['batch', SOURCE_LABELS.length]);
    return b;
  }
}

export async function convertFaceApiExpression(): Promise<ConvertedModel> {
  const weights = await readWeightsManifest(pinnedPackageFile(PACKAGE, VERSION, MANIFEST_PATH));
  const builder = new ExpressionNetBuilder(weights).build();
  const source = `${PACKAGE}@${VERSION} ${MANIFEST_PATH}`;
  const onnx = builder.serialize({
    ...TFJS_CONVERTER_PRODUCER,
    docString: `face-api FaceExpressionNet (MIT), rebuilt from its source; weights dequantised from ${source}`,
    metadata: { source, licence: 'MIT', labels: SOURCE_LABELS.join(',') },
  });
  return {
    id: 'face-api-expression',
    onnx,
    entry: {
      id: 'face-api-expression',
      kind: 'classifier',
      input: {
        name: INPUT,
        shape: [1, INPUT_SIZE, INPUT_SIZE, 3],
        layout: 'NHWC',
        width: INPUT_SIZE,
        height: INPUT_SIZE,
        channels: 3,
      },
      outputs: [{ name: OUTPUT, shape: [1, SOURCE_LABELS.length] }],
      // face-api 1.7.15: src/dom/NetInput.ts toBatchTensor(112, isCenterInputs = true) pads a tensor input with
      // zeros to a square (src/ops/padToSquare.ts, centred; an odd extra pixel goes to the bottom/right) and
      // resizes with tf.image.resizeBilinear(..., alignCorners = false, halfPixelCenters = false); then
      // FaceFeatureExtractor.forwardInput: normalize(x, [122.782, 117.001, 104.298]) (src/ops/normalize.ts,
      // x - mean on 0..255 RGB) .div(255).
      preprocessing: {
        color: 'rgb',
        fit: 'pad-center',
        resize: 'bilinear',
        coordinateTransform: 'asymmetric',
        scale: 1,
        mean: [122.782, 117.001, 104.298],
        std: [255, 255, 255],
      },
      weights: 'uint8-dequantised',
      source: { package: `${PACKAGE}@${VERSION}`, path: MANIFEST_PATH, licence: 'MIT' },
      description:
        'face-api FaceExpressionNet (dense blocks of separable convs + FC), 112x112 RGB, softmax inside. ' +
        'Reference resize is TF bilinear with half_pixel_centers=false.',
      sourceLabels: [...SOURCE_LABELS],
      labels: SOURCE_LABELS.map((l) => CANONICAL[l]),
      outputIsProbability: true,
      output: OUTPUT,
      maxBatch: CLASSIFIER_MAX_BATCH,
    },
  };
}
