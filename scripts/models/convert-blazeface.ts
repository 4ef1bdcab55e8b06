/**
 * MediaPipe BlazeFace (short- and full-range) from the pinned npm package to ONNX, with its manifest entry.
 * Model facts come from the .tflite itself (shapes, names) and from MediaPipe's graphs
 * (mediapipe/modules/face_detection/face_detection_{short,full}_range.pbtxt); see ../../shared/MODELS.md, section 1.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { DetectorEntry } from '../../src/ml/manifest.ts';
import type { ConvertedModel } from './converted-model.ts';
import { readTflite } from './tflite/tflite-reader.ts';
import { tfliteToOnnx } from './tflite/tflite-to-onnx.ts';

export type BlazeFaceVariant = 'short' | 'full';

export const BLAZEFACE_PACKAGE = '@mediapipe/face_detection';
export const BLAZEFACE_VERSION = '0.4.1657300184';

interface VariantSpec {
  id: string;
  file: string;
  inputSize: number;
  /** SsdAnchorsCalculator strides, one per feature-map layer (equal consecutive strides share a grid). */
  strides: number[];
  /**
   * Anchors per layer and cell: aspect_ratios [1.0] gives one, interpolated_scale_aspect_ratio > 0 adds a second.
   * Short-range sets it to 1.0 (2 per layer), full-range to 0.0 (1 per layer).
   */
  anchorsPerLayer: number;
  description: string;
}

const VARIANTS: Record<BlazeFaceVariant, VariantSpec> = {
  short: {
    id: 'blazeface-short',
    file: 'face_detection_short_range.tflite',
    inputSize: 128,
    strides: [8, 16, 16, 16],
    anchorsPerLayer: 2,
    description:
      'MediaPipe BlazeFace short-range face detector (faces within about 2 m): 896 anchors on a 16x16 grid (2 per cell) ' +
      'and an 8x8 grid (6 per cell); per anchor a box and 6 keypoints in 128-px units, and one score logit.',
  },
  full: {
    id: 'blazeface-full',
    file: 'face_detection_full_range.tflite',
    inputSize: 192,
    strides: [4],
    anchorsPerLayer: 1,
    description:
      'MediaPipe BlazeFace full-range face detector (small and distant faces, up to about 5 m): 2304 anchors on one 48x48 ' +
      'grid (1 per cell); per anchor a box and 6 keypoints in 192-px units, and one score logit.',
  },
};

const NUM_KEYPOINTS = 6;
const NUM_COORDS = 4 + 2 * NUM_KEYPOINTS;
/** Bumped when the converter's output changes for the same input. */
const CONVERTER_VERSION = '1';

export function blazeFaceSourcePath(variant: BlazeFaceVariant): string {
  const require = createRequire(import.meta.url);
  return path.join(
    path.dirname(require.resolve(`${BLAZEFACE_PACKAGE}/package.json`)),
    VARIANTS[variant].file,
  );
}

export async function convertBlazeFace(variant: BlazeFaceVariant): Promise<ConvertedModel> {
  const spec = VARIANTS[variant];
  const sourcePath = blazeFaceSourcePath(variant);
  const pkg = JSON.parse(await readFile(path.join(path.dirname(sourcePath), 'package.json'), 'utf8')) as {
    version?: string;
  };
  if (pkg.version !== BLAZEFACE_VERSION) {
    throw new Error(
      `${BLAZEFACE_PACKAGE} is ${pkg.version}, expected ${BLAZEFACE_VERSION}: run npm ci (the manifest names the version)`,
    );
  }
  const tflite = new Uint8Array(await readFile(sourcePath));
  const source = `${BLAZEFACE_PACKAGE}@${BLAZEFACE_VERSION}/${spec.file}`;
  const converted = tfliteToOnnx(readTflite(tflite), {
    producerName: 'affect-lens tflite-to-onnx',
    producerVersion: CONVERTER_VERSION,
    docString: `${spec.description} Converted from ${source} (Apache-2.0).`,
    metadata: {
      source,
      source_sha256: createHash('sha256').update(tflite).digest('hex'),
      licence: 'Apache-2.0',
    },
  });

  const [input] = converted.inputs;
  const [regressors, scores] = converted.outputs;
  if (
    converted.inputs.length !== 1 ||
    input === undefined ||
    regressors === undefined ||
    scores === undefined
  ) {
    throw new Error(`${spec.file}: expected 1 input and 2 outputs (regressors, scores)`);
  }
  const size = spec.inputSize;
  const numAnchors = countAnchors(spec);
  expectShape(spec.file, input, [1, size, size, 3]);
  expectShape(spec.file, regressors, [1, numAnchors, NUM_COORDS]);
  expectShape(spec.file, scores, [1, numAnchors, 1]);

  const entry: Omit<DetectorEntry, 'file' | 'sha256' | 'bytes'> = {
    id: spec.id,
    kind: 'detector',
    input: { ...input, layout: 'NHWC', width: size, height: size, channels: 3 },
    outputs: converted.outputs,
    // MediaPipe's ImageToTensorCalculator: keep_aspect_ratio with BORDER_ZERO, output range [-1, 1]:
    // (v / 255 - 0.5) / 0.5 = v / 127.5 - 1.
    preprocessing: {
      color: 'rgb',
      fit: 'letterbox',
      resize: 'bilinear',
      scale: 1 / 255,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    },
    weights: 'float16',
    source: { package: `${BLAZEFACE_PACKAGE}@${BLAZEFACE_VERSION}`, path: spec.file, licence: 'Apache-2.0' },
    description: spec.description,
    anchors: { inputSize: size, strides: spec.strides, anchorOffset: 0.5 },
    numAnchors,
    numCoords: NUM_COORDS,
    numKeypoints: NUM_KEYPOINTS,
    regressorsOutput: regressors.name,
    scoresOutput: scores.name,
  };
  return { id: spec.id, onnx: converted.onnx, entry };
}

/** SsdAnchorsCalculator's count: each layer adds grid cells x anchorsPerLayer (same rule as src/ml/anchors.ts). */
function countAnchors(spec: Pick<VariantSpec, 'inputSize' | 'strides' | 'anchorsPerLayer'>): number {
  return spec.strides.reduce((n, s) => n + Math.ceil(spec.inputSize / s) ** 2 * spec.anchorsPerLayer, 0);
}

function expectShape(file: string, t: { name: string; shape: number[] }, expected: number[]): void {
  if (t.shape.join() !== expected.join()) {
    throw new Error(
      `${file}: tensor '${t.name}' is [${t.shape.join()}], expected [${expected.join()}]; has the model changed?`,
    );
  }
}
