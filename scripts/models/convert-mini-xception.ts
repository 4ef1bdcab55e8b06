/**
 * mini-Xception (oarriaga/face_classification, trained on FER2013, MIT) as shipped by @vladmandic/human 3.3.6:
 * a TFJS graph model with the softmax inside. Its layer names and structure are those of cnn.py's big_XCEPTION
 * (two residual separable-conv blocks), not mini_XCEPTION; the id keeps the name the project uses.
 * Converted op by op; the ONNX model keeps the source's NHWC interface, input "input_1" [N,64,64,1] and output
 * "Identity" [N,7] (probabilities).
 */
import type { Emotion } from '../../src/ml/emotions.ts';
import { CLASSIFIER_MAX_BATCH, type ConvertedModel } from './converted-model.ts';
import { pinnedPackageFile, TFJS_CONVERTER_PRODUCER } from './tfjs/pinned-package.ts';
import { readGraphModel } from './tfjs/tfjs-graph.ts';
import { tfjsGraphToOnnx } from './tfjs/tfjs-graph-to-onnx.ts';

const PACKAGE = '@vladmandic/human';
const VERSION = '3.3.6';
const MODEL_PATH = 'models/emotion.json';

/** human's src/gear/emotion.ts: `annotations` for a 1-channel (oarriaga) model, in output order. */
const SOURCE_LABELS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
const CANONICAL: Record<(typeof SOURCE_LABELS)[number], Emotion> = {
  angry: 'anger',
  disgust: 'disgust',
  fear: 'fear',
  happy: 'happiness',
  sad: 'sadness',
  surprise: 'surprise',
  neutral: 'neutral',
};

export async function convertMiniXception(): Promise<ConvertedModel> {
  const { graph, weights } = await readGraphModel(pinnedPackageFile(PACKAGE, VERSION, MODEL_PATH));
  const { builder, inputs, outputs } = tfjsGraphToOnnx(graph, weights, 'mini_xception');
  const [input] = inputs;
  const [output] = outputs;
  if (!input || !output || inputs.length !== 1 || outputs.length !== 1) {
    throw new Error(
      `${PACKAGE}/${MODEL_PATH}: expected one input and one output, got ${inputs.length} and ${outputs.length}`,
    );
  }
  if (input.shape.join() !== '-1,64,64,1' || output.shape.join() !== '-1,7') {
    throw new Error(
      `${PACKAGE}/${MODEL_PATH}: expected [-1,64,64,1] -> [-1,7], got [${input.shape.join()}] -> [${output.shape.join()}]`,
    );
  }
  const source = `${PACKAGE}@${VERSION} ${MODEL_PATH}`;
  const onnx = builder.serialize({
    ...TFJS_CONVERTER_PRODUCER,
    docString: `mini-Xception emotion classifier (oarriaga/face_classification, FER2013, MIT), converted from ${source}`,
    metadata: { source, licence: 'MIT', labels: SOURCE_LABELS.join(',') },
  });
  return {
    id: 'mini-xception',
    onnx,
    entry: {
      id: 'mini-xception',
      kind: 'classifier',
      input: { name: input.name, shape: [1, 64, 64, 1], layout: 'NHWC', width: 64, height: 64, channels: 1 },
      outputs: [{ name: output.name, shape: [1, 7] }],
      // human 3.3.6 src/gear/emotion.ts predict(): the face crop is RGB in 0..1 (facemeshutil.ts cutAndResize
      // divides by 255), tf.image.resizeBilinear to 64x64, grey = sum(rgb * [0.2989, 0.5870, 0.1140])
      // (constants.rgb), then (grey - 0.5) * 2. Here: (grey255 / 255 - 0.5) / 0.5, the same values.
      preprocessing: {
        color: 'gray',
        grayWeights: [0.2989, 0.587, 0.114],
        fit: 'stretch',
        resize: 'bilinear',
        coordinateTransform: 'asymmetric',
        scale: 1 / 255,
        mean: [0.5],
        std: [0.5],
      },
      weights: 'float32',
      source: { package: `${PACKAGE}@${VERSION}`, path: MODEL_PATH, licence: 'MIT' },
      description:
        "oarriaga/face_classification's FER2013 emotion CNN (known as mini-Xception; its layers are cnn.py's " +
        'big_XCEPTION), 64x64 grey, softmax inside. Reference resize is TF bilinear with half_pixel_centers=false.',
      sourceLabels: [...SOURCE_LABELS],
      labels: SOURCE_LABELS.map((l) => CANONICAL[l]),
      outputIsProbability: true,
      output: output.name,
      maxBatch: CLASSIFIER_MAX_BATCH,
    },
  };
}
