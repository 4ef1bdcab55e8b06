/**
 * The engine flags that analyze, eval and bench share: detection (--min-score, --small-faces, ...) and
 * classification (--model, --margin, --upright-crop), their --help entries, their readers, and the check of
 * --model ids against the manifest.
 */
import type { ClassifyOptions, DetectOptions } from '../ml/engine-api.ts';
import type { Manifest } from '../ml/manifest.ts';
import { type NumberRange, readChoice, readNumber, readOnOff, readString } from './flag-readers.ts';
import { type OptionSpecs, type OptionValues, UsageError } from './parse-command.ts';

export const SMALL_FACES = [
  'off',
  'full-range',
  'tiling',
  'full-range+tiling',
] as const satisfies readonly DetectOptions['smallFaces'][];

export const RANGES = {
  /** The engine accepts [0, 1): it keeps scores above minScore, so 1 would keep nothing. */
  minScore: { min: 0, max: 0.999 },
  nmsIoU: { min: 0.01, max: 1 },
  maxFaces: { min: 1, max: 1000, integer: true },
  /** Negative margins shrink the box (useful in sweeps: dlib-style tight crops); more than 2 is surely a typo. */
  margin: { min: -0.4, max: 2 },
} as const satisfies Record<string, NumberRange>;

export function detectOptionSpecs(list: boolean): OptionSpecs {
  const many = list ? ' (comma list to sweep)' : '';
  return {
    'min-score': {
      type: 'string',
      value: list ? '<x[,x..]>' : '<x>',
      description: `keep detections scoring above x, 0..1 (engine default: MediaPipe's 0.5)${many}`,
    },
    'nms-iou': {
      type: 'string',
      value: '<x>',
      description: 'IoU above which detections merge in weighted NMS (default 0.3)',
    },
    'small-faces': {
      type: 'string',
      value: list ? '<mode[,mode..]>' : '<mode>',
      description: `small/distant faces: ${SMALL_FACES.join(' | ')}${many}`,
    },
    'large-faces': { type: 'boolean', description: 'retry on a zero-padded frame when nothing is found' },
    'no-large-faces': { type: 'boolean', description: 'do not retry on a zero-padded frame' },
    'max-faces': { type: 'string', value: '<n>', description: 'at most n faces per image' },
  };
}

export function classifyOptionSpecs(list: boolean): OptionSpecs {
  const many = list ? ' (comma list to sweep)' : '';
  return {
    model: {
      type: 'string',
      short: 'm',
      value: list ? '<id[,id..]>' : '<id>',
      description: `emotion classifier id from models/manifest.json${many}`,
    },
    margin: {
      type: 'string',
      value: list ? '<x[,x..]>' : '<x>',
      description: `crop margin around the face box, fraction of the box size per side${many}`,
    },
    'upright-crop': { type: 'boolean', description: 'rotate each crop so the eyes are level' },
    'no-upright-crop': { type: 'boolean', description: 'crop the box as detected, no rotation' },
  };
}

/** Detection options given on the command line (single values); absent ones stay engine defaults. */
export function readDetectOptions(values: OptionValues): Partial<DetectOptions> {
  const options: Partial<DetectOptions> = {};
  const minScore = readNumber(values, 'min-score', RANGES.minScore);
  if (minScore !== undefined) options.minScore = minScore;
  const nmsIoU = readNumber(values, 'nms-iou', RANGES.nmsIoU);
  if (nmsIoU !== undefined) options.nmsIoU = nmsIoU;
  const smallFaces = readChoice(values, 'small-faces', SMALL_FACES);
  if (smallFaces !== undefined) options.smallFaces = smallFaces;
  const largeFaces = readOnOff(values, 'large-faces');
  if (largeFaces !== undefined) options.largeFaces = largeFaces;
  const maxFaces = readNumber(values, 'max-faces', RANGES.maxFaces);
  if (maxFaces !== undefined) options.maxFaces = maxFaces;
  return options;
}

/** Classification options given on the command line (single values). */
export function readClassifyOptions(values: OptionValues): Partial<ClassifyOptions> {
  const options: Partial<ClassifyOptions> = {};
  const model = readString(values, 'model');
  if (model !== undefined) {
    if (model.includes(',')) {
      throw new UsageError(
        `--model takes one id here, got the list "${model}" (lists are for \`npm run eval\` sweeps)`,
      );
    }
    options.classifierId = model;
  }
  const margin = readNumber(values, 'margin', RANGES.margin);
  if (margin !== undefined) options.cropMargin = margin;
  const upright = readOnOff(values, 'upright-crop');
  if (upright !== undefined) options.uprightCrop = upright;
  return options;
}

/** Classifier ids of a manifest, in manifest order. */
export function classifierIds(manifest: Manifest): string[] {
  return manifest.models.filter((m) => m.kind === 'classifier').map((m) => m.id);
}

/** Throws UsageError naming the available classifiers when an id is not a classifier in the manifest. */
export function checkClassifierIds(manifest: Manifest, ids: readonly string[]): void {
  const known = classifierIds(manifest);
  for (const id of ids) {
    if (!known.includes(id)) {
      const detector = manifest.models.some((m) => m.id === id && m.kind === 'detector');
      throw new UsageError(
        `--model ${id}: ${detector ? 'is a detector, not an emotion classifier' : 'no such classifier in models/manifest.json'}; ` +
          `available: ${known.join(', ') || '(none)'}`,
      );
    }
  }
}
