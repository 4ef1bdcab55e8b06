/**
 * The manifest entry (src/ml/manifest.ts ClassifierEntry) of an imported EMO-AffectNet model: its
 * preprocessing, labels and source, from ../../../shared/MODELS.md section 2. The file, sha256 and bytes
 * fields are added by whoever stores the ONNX bytes (as scripts/models/build-models.ts does).
 */
import type { Emotion } from '../ml/emotions.ts';
import type { ClassifierEntry, Preprocessing } from '../ml/manifest.ts';
import { FEATURES, INPUT_CHANNELS, INPUT_SIZE, NUM_CLASSES } from './architecture.ts';
import { ONNX_FEATURES, ONNX_INPUT, ONNX_LOGITS, type WeightStorage } from './resnet50-onnx.ts';

export const EMO_AFFECTNET_ID = 'emo-affectnet';
export const EMO_AFFECTNET_FILE_NAME = 'FER_static_ResNet50_AffectNet.pt';
/** The authors' weights (98.6 MB). Not bundled: the user downloads them or picks the file. */
export const EMO_AFFECTNET_URL =
  'https://huggingface.co/ElenaRyumina/face_emotion_recognition/resolve/main/FER_static_ResNet50_AffectNet.pt';
/** SHA-256 of the authors' file, for the download to check (MODELS.md section 2). */
export const EMO_AFFECTNET_SHA256 = '8274190b5be4355bd2f07b59f593fcdb294f9d7c563bfa9ac9e5ea06c10692d2';
export const EMO_AFFECTNET_LICENCE = 'weights for scientific use; not bundled';

/**
 * The authors' preprocessing: RGB crop -> 224x224 NEAREST, plain stretch -> float 0..255 -> B, G, R ->
 * minus the VGGFace2 means, which are given here in B, G, R order because manifest.ts applies `mean` in
 * `color` order. Pillow's NEAREST samples floor((u + 0.5) * in / out): the half_pixel convention.
 */
export const EMO_AFFECTNET_PREPROCESSING: Preprocessing = {
  color: 'bgr',
  fit: 'stretch',
  resize: 'nearest',
  coordinateTransform: 'half_pixel',
  scale: 1,
  mean: [91.4953, 103.8827, 131.0912],
  std: [1, 1, 1],
};

/** The model's own label names, in output order (NOT alphabetical, whatever some pages list). */
export const EMO_AFFECTNET_SOURCE_LABELS = [
  'Neutral',
  'Happiness',
  'Sadness',
  'Surprise',
  'Fear',
  'Disgust',
  'Anger',
];
const LABELS: Emotion[] = ['neutral', 'happiness', 'sadness', 'surprise', 'fear', 'disgust', 'anger'];

/**
 * Faces per call (src/ml/manifest.ts maxBatch) when the batch dimension is symbolic. ResNet-50's largest
 * activations are about 3 MB per face, so 8 faces stay far inside wasm's memory; more run in several calls.
 */
export const EMO_AFFECTNET_MAX_BATCH = 8;

export type ClassifierEntryDraft = Omit<ClassifierEntry, 'file' | 'sha256' | 'bytes'>;

export interface EntryNames {
  input: string;
  logits: string;
  /** Absent for an ONNX export without the features output. */
  features?: string | undefined;
}

export function emoAffectNetEntry(
  weights: WeightStorage,
  names: EntryNames = { input: ONNX_INPUT, logits: ONNX_LOGITS, features: ONNX_FEATURES },
  /** EMO_AFFECTNET_MAX_BATCH for a symbolic batch dimension (always so when built from a .pt), 1 for a fixed one. */
  maxBatch = EMO_AFFECTNET_MAX_BATCH,
): ClassifierEntryDraft {
  const outputs = [{ name: names.logits, shape: [1, NUM_CLASSES] }];
  if (names.features) outputs.push({ name: names.features, shape: [1, FEATURES] });
  return {
    id: EMO_AFFECTNET_ID,
    kind: 'classifier',
    // The manifest records batch 1; maxBatch says how many faces one call may take.
    input: {
      name: names.input,
      shape: [1, INPUT_CHANNELS, INPUT_SIZE, INPUT_SIZE],
      layout: 'NCHW',
      width: INPUT_SIZE,
      height: INPUT_SIZE,
      channels: INPUT_CHANNELS,
    },
    outputs,
    preprocessing: {
      ...EMO_AFFECTNET_PREPROCESSING,
      mean: [...EMO_AFFECTNET_PREPROCESSING.mean],
      std: [...EMO_AFFECTNET_PREPROCESSING.std],
    },
    weights,
    source: { package: EMO_AFFECTNET_URL, path: EMO_AFFECTNET_FILE_NAME, licence: EMO_AFFECTNET_LICENCE },
    description:
      'EMO-AffectNet static ResNet-50 (Ryumina, Dresvyanskiy, Karpov, Neurocomputing 2022), 7 classes, ' +
      "66.4% on AffectNet validation; imported on this machine from the authors' weights.",
    sourceLabels: [...EMO_AFFECTNET_SOURCE_LABELS],
    labels: [...LABELS],
    outputIsProbability: false,
    output: names.logits,
    maxBatch,
  };
}

/**
 * The name of an EMO-AffectNet entry's 512-d features output (relu(fc1), what the temporal model reads), or
 * null: an ONNX export may have logits only.
 */
export function featuresOutputOf(
  entry: Pick<ClassifierEntry, 'output' | 'outputs'>,
  featureSize = FEATURES,
): string | null {
  return entry.outputs.find((o) => o.name !== entry.output && o.shape.at(-1) === featureSize)?.name ?? null;
}
