/**
 * Types of models/manifest.json, the single source of label orders, input shapes and normalisation
 * constants (../shared/STYLE.md: "Label order and normalisation constants come from models/manifest.json").
 */
import type { Emotion } from './emotions.ts';

export type Layout = 'NHWC' | 'NCHW';

/**
 * How an image becomes the model's input tensor. Pixel values v in 0..255 per channel become
 * (v * scale - mean[c]) / std[c], with channels in `color` order ('gray' gives one channel,
 * g = grayWeights · (R, G, B)).
 */
export interface Preprocessing {
  color: 'rgb' | 'bgr' | 'gray';
  /** Only for color 'gray': weights applied to R, G, B (on 0..255 values before scale). */
  grayWeights?: [number, number, number];
  /** stretch: resize to the input size ignoring aspect; pad-center: pad to square (centred, value 0) then resize; letterbox: keep aspect, zero border. */
  fit: 'stretch' | 'pad-center' | 'letterbox';
  resize: 'bilinear' | 'nearest';
  /**
   * Only with resize 'bilinear': when the picture shrinks, each output pixel averages its whole footprint
   * (a box filter, supersampled with bilinear taps), as Pillow's and tf.image.resize(antialias=True)'s
   * downscaling do, instead of reading the 4 pixels around its centre. A model trained on properly
   * downscaled faces then sees the same from a large video frame, and a pixel's worth of video noise or
   * codec change no longer swings its answer. No effect when the picture grows. Default false.
   */
  antialias?: boolean;
  /**
   * Where output pixels sample the source, named as ONNX Resize's coordinate_transformation_mode.
   * 'half_pixel' (default): output pixel centres map to source pixel centres (MediaPipe's
   * ImageToTensorCalculator, Pillow's resize, OpenCV INTER_LINEAR). 'asymmetric': output pixel i samples
   * source position i * in/out, edges clamped: tf.image.resizeBilinear(x, size, alignCorners=false) as
   * face-api and human (mini-Xception) call it, so both TFJS classifiers need it to match exactly.
   */
  coordinateTransform?: 'half_pixel' | 'asymmetric';
  scale: number;
  mean: number[];
  std: number[];
}

export interface TensorSpec {
  name: string;
  /** Dimensions, e.g. [1, 128, 128, 3]. */
  shape: number[];
}

export interface ModelSource {
  /** npm package@version the weights come from, or a URL for user-provided models. */
  package: string;
  /** Path of the original file inside the package. */
  path: string;
  licence: string;
}

interface ModelEntryBase {
  id: string;
  /** File name inside models/. */
  file: string;
  sha256: string;
  bytes: number;
  input: TensorSpec & { layout: Layout; width: number; height: number; channels: number };
  outputs: TensorSpec[];
  preprocessing: Preprocessing;
  /** Weights storage, e.g. "float16" when the source stored float16 weights. */
  weights: 'float32' | 'float16' | 'uint8-dequantised';
  source: ModelSource;
  description: string;
}

export interface DetectorEntry extends ModelEntryBase {
  kind: 'detector';
  /** BlazeFace anchor layout: strides per feature map (equal consecutive strides merge), anchors per stride layer. */
  anchors: { inputSize: number; strides: number[]; anchorOffset: number };
  /** Number of anchors = rows of the regressor output. */
  numAnchors: number;
  /** Values per anchor in the regressor output: 4 box + 2 * numKeypoints. */
  numCoords: number;
  numKeypoints: number;
  /** Outputs by role. */
  regressorsOutput: string;
  scoresOutput: string;
}

export interface ClassifierEntry extends ModelEntryBase {
  kind: 'classifier';
  /** The model's own label names, in output order. */
  sourceLabels: string[];
  /** The canonical emotion of each output, in output order (same length as sourceLabels). */
  labels: Emotion[];
  /** true when the graph already ends in a softmax. */
  outputIsProbability: boolean;
  /** The output tensor holding logits/probabilities. */
  output: string;
  /**
   * An output with one feature vector per face (EMO-AffectNet's `features`, relu(fc1)). When set, the engine
   * returns it as Face.features, for a temporal model (TemporalEntry); leave it unset otherwise, so faces
   * stay small on their way through the extension's messages.
   */
  featuresOutput?: string;
  /**
   * Faces per inference call. Absent or 1: the model's batch dimension is fixed at 1 and each face is one
   * call. Above 1: the graph's batch dimension is symbolic (`input.shape` still records batch 1), and the
   * engine runs up to this many faces of a frame in one call ([n, ...input.shape.slice(1)]; the output's
   * first dimension is n too). The cap bounds the memory a crowded frame needs.
   */
  maxBatch?: number;
  /**
   * Crop margin (fraction of the face box added per side) this classifier was measured best with; the engine
   * uses it unless the caller sets one. Absent: DEFAULT_ANALYZE_OPTIONS.cropMargin.
   */
  cropMargin?: number;
  /** Present on the classifiers this project trains itself (training/, `npm run train`). */
  training?: TrainingProvenance;
}

/** How a classifier trained by this project was made, written by `npm run train` (training/finish.py). */
export interface TrainingProvenance {
  /** The command that reproduces it (the same seed, PyTorch version, device and thread count give the same weights). */
  command: string;
  seed: number;
  epochs: number;
  /** The project's commit the training code came from. */
  commit: string;
  torch: string;
  threads: number;
  date: string;
  /** The data and its licences. */
  data: string;
  /** SHA-256 of each split's label file. */
  labelsSha256: Record<string, string>;
  /** Softmax temperature and logit-adjustment strength, both chosen on FER+ valid, inside the graph. */
  temperature: number;
  logitAdjustmentTau: number;
  /** FER+ test, majority labels: reported once, after every choice was made on valid. */
  ferplusTest: { accuracy: number; macroRecall: number; eceBefore: number; eceAfter: number };
}

export type ModelEntry = DetectorEntry | ClassifierEntry;

export interface Manifest {
  /** Bumped when the manifest format changes. */
  version: 1;
  models: ModelEntry[];
}

/**
 * A temporal model (EMO-AffectNet's LSTM, src/emo-affectnet/lstm-architecture.ts): it reads the last
 * `window` feature vectors of one face, sampled at `sampleFps`, from the classifier `featuresOf` (its
 * `featuresOutput`), and gives one emotion distribution for the whole window. Not part of Manifest.models:
 * the user imports it next to its classifier, and the pipeline runs it per tracked face.
 */
export interface TemporalEntry {
  id: string;
  kind: 'temporal';
  file: string;
  sha256: string;
  bytes: number;
  /** The classifier whose features it reads. */
  featuresOf: string;
  /** [1, window, featureSize]; the batch dimension is symbolic up to maxBatch. */
  input: TensorSpec;
  output: string;
  outputIsProbability: boolean;
  /** Feature vectors per window, oldest first. */
  window: number;
  /** The rate the features are sampled at (window / sampleFps seconds per window). */
  sampleFps: number;
  sourceLabels: string[];
  labels: Emotion[];
  maxBatch: number;
  source: ModelSource;
  description: string;
}
