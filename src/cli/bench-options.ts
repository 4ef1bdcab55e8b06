/** bench's command line: its --help spec, and the flags read into BenchOptions (throws UsageError). */
import type { AnalyzeOptions } from '../ml/engine-api.ts';
import { DEFAULT_DATA_DIR } from './bench-images.ts';
import type { BenchLimits } from './bench-pipeline.ts';
import { WEIGHTS_OPTION, readWeights } from './emo-weights.ts';
import {
  classifyOptionSpecs,
  detectOptionSpecs,
  readClassifyOptions,
  readDetectOptions,
} from './engine-flags.ts';
import { readFlag, readNumber, readString, readStringList } from './flag-readers.ts';
import { type CommandSpec, type OptionValues } from './parse-command.ts';

export const BENCH_SPEC: CommandSpec = {
  command: 'bench',
  usage: ['npm run bench -- [images or folders...] [options]'],
  description:
    'Times the pipeline per stage in Node with onnxruntime-web wasm: for each classifier in the manifest and\n' +
    'each image, warm-up runs, then runs until both --runs and --seconds are reached (capped by\n' +
    '--max-seconds). Prints median and p95 per stage in ms, and faces per second.\n' +
    `Without images, uses a built-in set from ${DEFAULT_DATA_DIR} when it exists.`,
  positionals: true,
  options: {
    runs: {
      type: 'string',
      value: '<n>',
      description: 'measured runs per classifier and image, at least (default 50)',
    },
    seconds: {
      type: 'string',
      value: '<s>',
      description: 'measured seconds per classifier and image, at least (default 2)',
    },
    'max-seconds': {
      type: 'string',
      value: '<s>',
      description: 'stop measuring one row after this long (default 30)',
    },
    warmup: {
      type: 'string',
      value: '<n>',
      description: 'unmeasured runs first (default 5; the first creates sessions)',
    },
    threads: {
      type: 'string',
      value: '<n>',
      description: 'onnxruntime-web wasm threads (default: the engine default, 1)',
    },
    json: { type: 'boolean', description: 'print JSON instead of the table' },
    batch: {
      type: 'string',
      value: '<n>',
      description: 'faces per call for the batched per-face latency (default 4; capped by maxBatch)',
    },
    crops: {
      type: 'string',
      value: '<n>',
      description:
        'with --weights <file.pt>: FER2013 PrivateTest crops on which the fp16 and fp32\n' +
        'builds of EMO-AffectNet are compared (default 200)',
    },
    'no-pipeline': {
      type: 'boolean',
      description: 'skip the per-image pipeline rows and the video-mode rows (classifier rows only)',
    },
    'no-video': {
      type: 'boolean',
      description: 'skip the video-mode rows (each image as a still vs as frames of a 30 fps video)',
    },
    data: {
      type: 'string',
      value: '<dir>',
      description:
        'measurement data folder holding the built-in set (default ../shared/data beside the checkout)',
    },
    ...classifyOptionSpecs(true),
    ...WEIGHTS_OPTION,
    ...detectOptionSpecs(false),
  },
  examples: [
    'npm run bench',
    'npm run bench -- --weights ~/Downloads/FER_static_ResNet50_AffectNet.pt',
    'npm run bench -- photo.jpg --model mini-xception --runs 100',
    'npm run bench -- --json > bench.json',
  ],
};

export interface BenchOptions {
  limits: BenchLimits;
  /** Engine options for the pipeline rows (--model is the list of classifiers, in `models`). */
  options: Partial<AnalyzeOptions>;
  /** --model: the classifiers to time; absent: every classifier of the manifest. */
  models: string[] | undefined;
  json: boolean;
  threads: number | undefined;
  positionals: string[];
  dataDir: string;
  weightsPath: string | undefined;
  batch: number;
  cropCount: number;
  pipeline: boolean;
  videoMode: boolean;
}

export function readBenchOptions(v: OptionValues, positionals: string[]): BenchOptions {
  const limits = {
    runs: readNumber(v, 'runs', { min: 1, max: 1_000_000, integer: true }) ?? 50,
    seconds: readNumber(v, 'seconds', { min: 0, max: 3600 }) ?? 2,
    maxSeconds: readNumber(v, 'max-seconds', { min: 0.1, max: 36_000 }) ?? 30,
    warmup: readNumber(v, 'warmup', { min: 0, max: 10_000, integer: true }) ?? 5,
  };
  const threads = readNumber(v, 'threads', { min: 1, max: 64, integer: true });
  const { weights: weightsPath, models } = readWeights(v, readStringList(v, 'model'), false);
  const batch = readNumber(v, 'batch', { min: 1, max: 64, integer: true }) ?? 4;
  const cropCount = readNumber(v, 'crops', { min: 1, max: 100_000, integer: true }) ?? 200;
  const pipeline = !readFlag(v, 'no-pipeline');
  const videoMode = !readFlag(v, 'no-video');
  const options = { ...readDetectOptions(v), ...readClassifyOptions({ ...v, model: undefined }) };
  const json = readFlag(v, 'json');
  const dataDir = readString(v, 'data') ?? DEFAULT_DATA_DIR;
  return {
    limits,
    options,
    models,
    json,
    threads,
    positionals,
    dataDir,
    weightsPath,
    batch,
    cropCount,
    pipeline,
    videoMode,
  };
}
