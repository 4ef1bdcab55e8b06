/** analyze's command line: its --help spec, and the flags read into AnalyzeCliOptions (throws UsageError). */
import type { AnalyzeOptions } from '../ml/engine-api.ts';
import {
  classifyOptionSpecs,
  detectOptionSpecs,
  readClassifyOptions,
  readDetectOptions,
} from './engine-flags.ts';
import { TEMPORAL_OPTION, WEIGHTS_OPTION, readWeights } from './emo-weights.ts';
import { readFlag, readNumber, readString } from './flag-readers.ts';
import { type CommandSpec, type OptionValues, UsageError } from './parse-command.ts';

export const ANALYZE_SPEC: CommandSpec = {
  command: 'analyze',
  usage: ['npm run analyze -- <files or folders...> [options]'],
  description:
    'Finds every face in the images and classifies its emotion. Folders are searched recursively for\n' +
    'JPEG/PNG/WebP/GIF/TIFF/AVIF/HEIF files. Prints one line per face: file, box x,y,w,h (pixels), detector\n' +
    'score, top emotion and its probability; "no face" for images without one.\n' +
    'Exit code: 0 when every file was analysed, 1 when some file failed (see stderr), 2 on usage errors.',
  positionals: true,
  options: {
    json: {
      type: 'boolean',
      description: 'print one JSON object per image (JSON Lines), with all 7 probabilities',
    },
    annotate: {
      type: 'string',
      value: '<dir>',
      description: 'write a PNG per image with boxes, keypoints and labels into dir',
    },
    ...classifyOptionSpecs(false),
    ...WEIGHTS_OPTION,
    ...TEMPORAL_OPTION,
    fps: {
      type: 'string',
      value: '<n>',
      description: "with --temporal: frames per second of frame folders (default 5, the model's rate)",
    },
    ...detectOptionSpecs(false),
  },
  examples: [
    'npm run analyze -- photo.jpg',
    'npm run analyze -- --model emo-affectnet --weights ~/Downloads/FER_static_ResNet50_AffectNet.pt photo.jpg',
    'npm run analyze -- ../shared/data/face-boxes/dlib-pascalvoc/images --annotate /tmp/annotated',
    'npm run analyze -- photos/ --json --model face-api-expression --margin 0.1 > results.jsonl',
    'npm run analyze -- --model emo-affectnet --weights FER_static_ResNet50_AffectNet.pt --temporal FER_dinamic_LSTM_Aff-Wild2.pt clip.mp4',
  ],
};

export interface AnalyzeCliOptions {
  /** Engine options given on the command line; absent ones stay engine defaults. */
  options: Partial<AnalyzeOptions>;
  json: boolean;
  annotateDir: string | undefined;
  /** Files and folders (images), or streams (videos, frame folders) with --temporal. */
  paths: string[];
  /** --weights: the user's EMO-AffectNet file (emo-weights.ts). */
  weightsPath: string | undefined;
  /** --temporal: the LSTM file; with it, analyze runs the temporal mode (analyze-temporal.ts). */
  temporalPath: string | undefined;
  folderFps: number | undefined;
}

export function readAnalyzeOptions(values: OptionValues, positionals: string[]): AnalyzeCliOptions {
  const options: Partial<AnalyzeOptions> = { ...readDetectOptions(values), ...readClassifyOptions(values) };
  const picked = readWeights(values, options.classifierId === undefined ? undefined : [options.classifierId]);
  const weightsPath = picked.weights;
  if (picked.models !== undefined) options.classifierId = picked.models[0];
  const json = readFlag(values, 'json');
  const annotateDir = readString(values, 'annotate');
  const temporalPath = readString(values, 'temporal');
  const folderFps = readNumber(values, 'fps', { min: 0.1, max: 240 });
  const paths = positionals;
  if (temporalPath !== undefined && weightsPath === undefined) {
    throw new UsageError(
      "--temporal reads the features of EMO-AffectNet's ResNet-50: give --weights FER_static_ResNet50_AffectNet.pt too",
    );
  }
  if (temporalPath !== undefined && annotateDir !== undefined) {
    throw new UsageError('--annotate is for images; it does not combine with --temporal');
  }
  if (folderFps !== undefined && temporalPath === undefined) {
    throw new UsageError(
      '--fps is the frame rate of frame folders in the temporal mode: it needs --temporal',
    );
  }
  if (paths.length === 0) {
    throw new UsageError(
      'analyze: give at least one image file or folder, e.g. `npm run analyze -- photo.jpg`',
    );
  }
  return { options, json, annotateDir, paths, weightsPath, temporalPath, folderFps };
}
