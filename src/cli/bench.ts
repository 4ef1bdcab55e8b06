/**
 * `npm run bench`: per-stage latency of the pipeline in Node with onnxruntime-web wasm (the runtime the
 * extension ships). For every classifier in the manifest and every image: warm-up runs, then measured runs
 * until both --runs and --seconds are reached (or --max-seconds), reporting median and p95 per stage
 * (decode, preprocess, detector, nms, crop, classifier, total) and faces per second.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnalyzeOptions, Stage, StageTrace } from '../ml/engine-api.ts';
import { formatTable } from '../eval/classification-metrics.ts';
import {
  type CliIo,
  type CommandSpec,
  type EngineHandle,
  type OpenEngine,
  UsageError,
  checkClassifierIds,
  classifierIds,
  classifyOptionSpecs,
  detectOptionSpecs,
  errorMessage,
  formatHelp,
  isMainModule,
  openNodeEngine,
  parseCommand,
  processIo,
  readClassifyOptions,
  readDetectOptions,
  readFlag,
  readNumber,
  readString,
  readStringList,
} from './args.ts';
import { decodeImage, findImages, readImageBytes } from './image-io.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The measurement data beside the checkout (../shared/data/README.md); never copied into the repo. */
export const DEFAULT_DATA_DIR = resolve(REPO_ROOT, '../shared/data');
/** Built-in set: a 7-face group photo, a 2-face portrait, and a photo without faces (detector only). */
export const DEFAULT_IMAGES = [
  'face-boxes/dlib-pascalvoc/images/2008_007676.jpg',
  'face-boxes/dlib-pascalvoc/images/2009_004587.jpg',
  'face-boxes/negatives-noface/coffee.png',
] as const;

export type BenchStage = 'decode' | Stage | 'total';
export const BENCH_STAGES: readonly BenchStage[] = [
  'decode',
  'preprocess',
  'detector',
  'nms',
  'crop',
  'classifier',
  'total',
];

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
    data: {
      type: 'string',
      value: '<dir>',
      description:
        'measurement data folder holding the built-in set (default ../shared/data beside the checkout)',
    },
    ...classifyOptionSpecs(true),
    ...detectOptionSpecs(false),
  },
  examples: [
    'npm run bench',
    'npm run bench -- photo.jpg --model mini-xception --runs 100',
    'npm run bench -- --json > bench.json',
  ],
};

/** Median (mean of the middle two for even counts). Throws on an empty list: no silent zero. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Nearest-rank percentile (p in 0..100): the smallest value with at least p% of the values at or below it. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of no values');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile expects p in 0..100, got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? 0;
}

export interface StageStats {
  medianMs: number;
  p95Ms: number;
}

export interface BenchRow {
  classifierId: string;
  image: string;
  width: number;
  height: number;
  faces: number;
  runs: number;
  seconds: number;
  /** Stages that ran at least once (no crop/classifier on an image without faces). */
  stages: Partial<Record<BenchStage, StageStats>>;
  facesPerSecond: number;
  imagesPerSecond: number;
}

export interface BenchLimits {
  runs: number;
  seconds: number;
  maxSeconds: number;
  warmup: number;
}

interface BenchImage {
  file: string;
  bytes: Buffer;
}

/** Runs one classifier on one image until the limits are met; decode is timed from the encoded bytes in memory. */
export async function benchOne(
  handle: EngineHandle,
  image: BenchImage,
  options: Partial<AnalyzeOptions>,
  limits: BenchLimits,
): Promise<Omit<BenchRow, 'classifierId'>> {
  const samples = new Map<BenchStage, number[]>(BENCH_STAGES.map((s) => [s, []]));
  let faces = 0;
  let width = 0;
  let height = 0;
  for (let i = 0; i < limits.warmup; i++) {
    await handle.engine.analyze(await decodeImage(image.bytes, image.file), options);
  }
  let runs = 0;
  let busyMs = 0;
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  while (
    (runs < limits.runs || elapsed() < limits.seconds) &&
    (runs === 0 || elapsed() < limits.maxSeconds)
  ) {
    const t0 = performance.now();
    const decoded = await decodeImage(image.bytes, image.file);
    const t1 = performance.now();
    const trace: StageTrace = {};
    const found = await handle.engine.analyze(decoded, options, trace);
    const t2 = performance.now();
    samples.get('decode')?.push(t1 - t0);
    for (const [stage, ms] of Object.entries(trace) as [Stage, number][]) samples.get(stage)?.push(ms);
    samples.get('total')?.push(t2 - t0);
    busyMs += t2 - t0;
    faces = found.length;
    width = decoded.width;
    height = decoded.height;
    runs++;
  }
  const stages: Partial<Record<BenchStage, StageStats>> = {};
  for (const [stage, values] of samples) {
    if (values.length > 0) stages[stage] = { medianMs: median(values), p95Ms: percentile(values, 95) };
  }
  return {
    image: image.file,
    width,
    height,
    faces,
    runs,
    seconds: elapsed(),
    stages,
    facesPerSecond: (faces * runs) / (busyMs / 1000),
    imagesPerSecond: runs / (busyMs / 1000),
  };
}

function formatMs(stats: StageStats | undefined): string {
  if (stats === undefined) return '-';
  const f = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
  return `${f(stats.medianMs)} / ${f(stats.p95Ms)}`;
}

export function formatBenchTable(rows: readonly BenchRow[]): string {
  const header = ['classifier', 'image', 'size', 'faces', 'runs', ...BENCH_STAGES, 'faces/s', 'images/s'];
  const body = rows.map((r) => [
    r.classifierId,
    basename(r.image),
    `${r.width}x${r.height}`,
    String(r.faces),
    String(r.runs),
    ...BENCH_STAGES.map((s) => formatMs(r.stages[s])),
    r.faces === 0 ? '-' : r.facesPerSecond.toFixed(1),
    r.imagesPerSecond.toFixed(1),
  ]);
  return formatTable([header, ...body], 2);
}

function defaultImagePaths(io: CliIo, dataDir: string): string[] | undefined {
  const paths = DEFAULT_IMAGES.map((p) => join(dataDir, p));
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    io.err(
      `bench: the built-in image set is missing (${missing.join(', ')}): it comes from ../shared/data beside the ` +
        'checkout. Nothing to measure; give images instead: `npm run bench -- photo.jpg`\n',
    );
    return undefined;
  }
  io.err(`bench: built-in image set from ${dataDir}: ${DEFAULT_IMAGES.map((p) => basename(p)).join(', ')}\n`);
  return paths;
}

export async function runBench(
  argv: readonly string[],
  io: CliIo,
  openEngine: OpenEngine = openNodeEngine,
): Promise<number> {
  let limits: BenchLimits;
  let options: Partial<AnalyzeOptions>;
  let models: string[] | undefined;
  let json: boolean;
  let threads: number | undefined;
  let positionals: string[];
  let dataDir: string;
  try {
    const parsed = parseCommand(BENCH_SPEC, argv);
    if (parsed.help) {
      io.out(formatHelp(BENCH_SPEC));
      return 0;
    }
    const v = parsed.values;
    limits = {
      runs: readNumber(v, 'runs', { min: 1, max: 1_000_000, integer: true }) ?? 50,
      seconds: readNumber(v, 'seconds', { min: 0, max: 3600 }) ?? 2,
      maxSeconds: readNumber(v, 'max-seconds', { min: 0.1, max: 36_000 }) ?? 30,
      warmup: readNumber(v, 'warmup', { min: 0, max: 10_000, integer: true }) ?? 5,
    };
    threads = readNumber(v, 'threads', { min: 1, max: 64, integer: true });
    models = readStringList(v, 'model');
    options = { ...readDetectOptions(v), ...readClassifyOptions({ ...v, model: undefined }) };
    json = readFlag(v, 'json');
    positionals = parsed.positionals;
    dataDir = readString(v, 'data') ?? DEFAULT_DATA_DIR;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  }

  let files: string[];
  let failed = 0;
  if (positionals.length === 0) {
    const defaults = defaultImagePaths(io, dataDir);
    if (defaults === undefined) return 0;
    files = defaults;
  } else {
    const found = await findImages(positionals);
    for (const e of found.errors) io.err(`${e.message}\n`);
    failed += found.errors.length;
    files = found.images.map((i) => i.path);
  }
  const images: BenchImage[] = [];
  for (const file of files) {
    try {
      const bytes = await readImageBytes(file);
      await decodeImage(bytes, file); // refuse broken files before timing anything
      images.push({ file, bytes });
    } catch (error) {
      failed++;
      io.err(`${errorMessage(error)}\n`);
    }
  }
  if (images.length === 0) {
    io.err('bench: no readable image to measure\n');
    return 1;
  }

  let handle: EngineHandle;
  try {
    handle = await openEngine(threads === undefined ? {} : { numThreads: threads });
  } catch (error) {
    io.err(`bench: cannot load the engine: ${errorMessage(error)}\n`);
    return 1;
  }
  const rows: BenchRow[] = [];
  try {
    const ids =
      models ??
      (handle.manifest === undefined
        ? [handle.engine.defaults.classifierId]
        : classifierIds(handle.manifest));
    if (handle.manifest !== undefined) checkClassifierIds(handle.manifest, ids);
    const cpu = cpus();
    const environment =
      `${handle.backendName ?? 'engine'}${threads === undefined ? '' : `, ${threads} thread(s)`}; Node ${process.version}; ` +
      `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}`;
    io.err(
      `bench: ${environment}\nbench: ${ids.length} classifier(s) x ${images.length} image(s); warm-up ${limits.warmup}, ` +
        `then >= ${limits.runs} runs and >= ${limits.seconds} s each (max ${limits.maxSeconds} s)\n`,
    );
    for (const classifierId of ids) {
      for (const image of images) {
        io.err(`bench: ${classifierId} on ${basename(image.file)}...\n`);
        const row = await benchOne(handle, image, { ...options, classifierId }, limits);
        rows.push({ classifierId, ...row });
      }
    }
    if (json) {
      io.out(`${JSON.stringify({ environment, limits, options, rows }, null, 2)}\n`);
    } else {
      io.out(
        `${environment}\nmedian / p95 per stage, ms (decode from encoded bytes in memory; total = decode + analyze)\n`,
      );
      io.out(`${formatBenchTable(rows)}\n`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    io.err(`bench: ${errorMessage(error)}\n`);
    return 1;
  } finally {
    await handle.close?.();
  }
  return failed > 0 ? 1 : 0;
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await runBench(process.argv.slice(2), processIo());
}
