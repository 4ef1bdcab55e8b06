/**
 * `npm run bench`: per-stage latency of the pipeline in Node with onnxruntime-web wasm (the runtime the
 * extension ships). For every classifier in the manifest and every image: warm-up runs, then measured runs
 * until both --runs and --seconds are reached (or --max-seconds), reporting median and p95 per stage
 * (decode, preprocess, detector, nms, crop, classifier, total) and faces per second. Then per-face latency of
 * each image as a still vs as frames of a video (bench-video.ts), and each classifier alone at batch 1 and
 * batch n (bench-classifiers.ts). With --weights, the user's EMO-AffectNet joins as a classifier, and an
 * EMO-AffectNet section adds import time and size of the float32 and float16 builds and how far float16
 * moves the logits on FER2013 PrivateTest crops.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnalyzeOptions, Stage, StageTrace } from '../ml/engine-api.ts';
import type { ClassifierEntry } from '../ml/manifest.ts';
import { formatTable } from '../eval/classification-metrics.ts';
import { type CliIo, errorMessage, isMainModule, processIo } from './cli-io.ts';
import {
  checkClassifierIds,
  classifierIds,
  classifyOptionSpecs,
  detectOptionSpecs,
  readClassifyOptions,
  readDetectOptions,
} from './engine-flags.ts';
import { readFlag, readNumber, readString, readStringList } from './flag-readers.ts';
import { type EngineHandle, type OpenEngine, openNodeEngine } from './open-engine.ts';
import { type CommandSpec, UsageError, formatHelp, parseCommand } from './parse-command.ts';
import {
  type BatchRow,
  type LabelledCrop,
  type LogitsComparison,
  benchBatches,
  compareLogits,
  formatBatchTable,
} from './bench-classifiers.ts';
import {
  EMO_AFFECTNET_ID,
  type LoadedWeights,
  WEIGHTS_OPTION,
  loadWeightsForTool,
  readWeights,
} from './emo-weights.ts';
import { VIDEO_FRAME_MS, benchVideoMode, formatVideoModeTable, type VideoModeRow } from './bench-video.ts';
import { evenlySpaced } from './eval.ts';
import { decodeImage, findImages, readImage, readImageBytes } from './image-io.ts';
import { parseCsv } from '../eval/csv.ts';
import { isEmotion } from '../ml/emotions.ts';
import { readFile } from 'node:fs/promises';

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

/** Manifest id of the float16 build bench makes beside the float32 one. */
export const EMO_FP16_ID = `${EMO_AFFECTNET_ID}-fp16`;
/** The FER2013 test crops (../shared/data/README.md), PrivateTest being the split to report on. */
export const FER_LABELS = 'fer2013-test/labels.csv';

/** n evenly spaced FER2013 PrivateTest crops (every class kept: the CSV is sorted by class). */
export async function loadFerCrops(dataDir: string, n: number): Promise<LabelledCrop[]> {
  const csv = join(dataDir, FER_LABELS);
  const table = parseCsv(await readFile(csv, 'utf8'), { source: csv, required: ['path', 'label', 'usage'] });
  const rows = table.rows.filter((r) => r.usage === 'PrivateTest');
  const crops: LabelledCrop[] = [];
  for (const row of evenlySpaced(rows, n)) {
    const label = row.label ?? '';
    if (!isEmotion(label)) throw new Error(`${csv}: label '${label}' is not one of the 7 emotions`);
    crops.push({ image: await readImage(join(dataDir, 'fer2013-test', row.path ?? '')), label });
  }
  return crops;
}

export interface EmoReport {
  file: string;
  fileBytes: number;
  authors: boolean;
  builds: { id: string; weights: string; importMs: number; onnxBytes: number }[];
  consistency?: LogitsComparison & { split: string };
  consistencyNote?: string;
}

function formatEmoReport(r: EmoReport): string {
  const lines = [
    `EMO-AffectNet (ResNet-50) from ${r.file} (${(r.fileBytes / 1e6).toFixed(1)} MB): ` +
      (r.authors
        ? "the authors' weights"
        : "NOT the authors' weights (a test checkpoint?): any accuracy below is meaningless; these rows are about speed, size and fp16/fp32 consistency"),
  ];
  for (const b of r.builds) {
    lines.push(
      `  import + build ${b.weights.padEnd(7)} ${(b.importMs / 1000).toFixed(2)} s -> ONNX ${(b.onnxBytes / 1e6).toFixed(1)} MB (${b.id})`,
    );
  }
  const c = r.consistency;
  if (c !== undefined) {
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    lines.push(
      `  fp16 vs fp32 logits on ${c.crops} FER2013 ${c.split} crops: max |diff| ${c.maxAbsDiff.toExponential(2)}, ` +
        `mean |diff| ${c.meanAbsDiff.toExponential(2)}, top-1 agreement ${pct(c.top1Agreement)}; accuracy fp32 ` +
        `${pct(c.accuracyA)}, fp16 ${pct(c.accuracyB)}${r.authors ? '' : " (meaningless: not the authors' weights)"}`,
    );
  }
  if (r.consistencyNote !== undefined) lines.push(`  ${r.consistencyNote}`);
  return lines.join('\n');
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
  let weightsPath: string | undefined;
  let batch: number;
  let cropCount: number;
  let pipeline: boolean;
  let videoMode: boolean;
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
    ({ weights: weightsPath, models } = readWeights(v, readStringList(v, 'model'), false));
    batch = readNumber(v, 'batch', { min: 1, max: 64, integer: true }) ?? 4;
    cropCount = readNumber(v, 'crops', { min: 1, max: 100_000, integer: true }) ?? 200;
    pipeline = !readFlag(v, 'no-pipeline');
    videoMode = !readFlag(v, 'no-video');
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

  let files: string[] = [];
  let failed = 0;
  if (!pipeline) {
    if (positionals.length > 0) io.err('bench: --no-pipeline: the images given are not used\n');
  } else if (positionals.length === 0) {
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
  if (pipeline && images.length === 0) {
    io.err('bench: no readable image to measure\n');
    return 1;
  }

  const emo: LoadedWeights[] = [];
  const fp32 = await loadWeightsForTool('bench', weightsPath, io);
  if (fp32 === null) return 1;
  if (fp32 !== undefined) {
    emo.push(fp32);
    if (fp32.from === 'pytorch') {
      const fp16 = await loadWeightsForTool('bench', weightsPath, io, {
        storage: 'float16',
        id: EMO_FP16_ID,
      });
      if (fp16 === null) return 1;
      if (fp16 !== undefined) emo.push(fp16);
    }
  }

  let handle: EngineHandle;
  try {
    handle = await openEngine({
      ...(threads === undefined ? {} : { numThreads: threads }),
      ...(emo.length === 0 ? {} : { extraModels: emo }),
    });
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
        : classifierIds(handle.manifest).filter((id) => id !== EMO_FP16_ID));
    if (handle.manifest !== undefined) checkClassifierIds(handle.manifest, ids);
    const cpu = cpus();
    const environment =
      `${handle.backendName ?? 'engine'}${threads === undefined ? '' : `, ${threads} thread(s)`}; Node ${process.version}; ` +
      `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}`;
    io.err(
      `bench: ${environment}\n` +
        (pipeline
          ? `bench: ${ids.length} classifier(s) x ${images.length} image(s); warm-up ${limits.warmup}, ` +
            `then >= ${limits.runs} runs and >= ${limits.seconds} s each (max ${limits.maxSeconds} s)\n`
          : 'bench: --no-pipeline: classifier rows only\n'),
    );
    for (const classifierId of pipeline ? ids : []) {
      for (const image of images) {
        io.err(`bench: ${classifierId} on ${basename(image.file)}...\n`);
        const row = await benchOne(handle, image, { ...options, classifierId }, limits);
        rows.push({ classifierId, ...row });
      }
    }
    // Video mode vs still, default (first) classifier only: the detector passes are what differ.
    const videoRows: VideoModeRow[] = [];
    const videoClassifier = ids[0];
    if (pipeline && videoMode && videoClassifier !== undefined) {
      for (const image of images) {
        io.err(`bench: ${basename(image.file)} as a still vs as video frames...\n`);
        const decoded = await decodeImage(image.bytes, image.file);
        videoRows.push(
          await benchVideoMode(
            handle.engine,
            image.file,
            decoded,
            { ...options, classifierId: videoClassifier },
            limits,
            (values) => ({ medianMs: median(values), p95Ms: percentile(values, 95) }),
          ),
        );
      }
    }
    // Classifiers alone, batch 1 vs batch n: the ids asked for, plus the fp16 build beside the fp32 one.
    let batches: BatchRow[] = [];
    const entries = (handle.manifest?.models ?? []).filter(
      (m): m is ClassifierEntry =>
        m.kind === 'classifier' &&
        (ids.includes(m.id) || (m.id === EMO_FP16_ID && ids.includes(EMO_AFFECTNET_ID))),
    );
    if (handle.backend === undefined) {
      io.err('bench: this engine exposes no backend: no per-face batch rows\n');
    } else {
      batches = await benchBatches(
        handle.backend,
        entries,
        batch,
        { runs: Math.min(limits.runs, 10), seconds: limits.seconds, maxSeconds: limits.maxSeconds },
        (entry) => io.err(`bench: ${entry.id} alone, batch 1 and ${batch}...\n`),
      );
    }
    let emoReport: EmoReport | undefined;
    if (emo[0] !== undefined) {
      emoReport = {
        file: emo[0].path,
        fileBytes: emo[0].fileBytes,
        authors: emo[0].authors,
        builds: emo.map((w) => ({
          id: w.entry.id,
          weights: w.entry.weights,
          importMs: w.importMs,
          onnxBytes: w.entry.bytes,
        })),
      };
      const [a, b] = emo;
      if (b === undefined) {
        emoReport.consistencyNote = 'no fp16 build: it is built from a .pt, and an ONNX file was given';
      } else if (handle.backend === undefined) {
        emoReport.consistencyNote = 'no fp16/fp32 comparison: this engine exposes no backend';
      } else if (!existsSync(join(dataDir, FER_LABELS))) {
        emoReport.consistencyNote = `no fp16/fp32 comparison: ${join(dataDir, FER_LABELS)} is missing`;
      } else {
        io.err(`bench: fp16 vs fp32 logits on ${cropCount} FER2013 PrivateTest crops...\n`);
        const crops = await loadFerCrops(dataDir, cropCount);
        emoReport.consistency = {
          split: 'PrivateTest',
          ...(await compareLogits(handle.backend, a.entry, b.entry, crops)),
        };
      }
    }
    if (json) {
      io.out(
        `${JSON.stringify({ environment, limits, options, rows, videoMode: videoRows, batches, emoAffectNet: emoReport }, null, 2)}\n`,
      );
    } else {
      io.out(`${environment}\n`);
      if (rows.length > 0) {
        io.out(
          'median / p95 per stage, ms (decode from encoded bytes in memory; total = decode + analyze)\n' +
            `${formatBenchTable(rows)}\n`,
        );
      }
      if (videoRows.length > 0) {
        io.out(
          `\nvideo mode (frames of a ${Math.round(1000 / VIDEO_FRAME_MS)} fps video) vs still, ${videoClassifier ?? ''}, ` +
            `engine only, median / p95 ms, runs alternating:\n${formatVideoModeTable(videoRows)}\n`,
        );
      }
      if (batches.length > 0) {
        io.out(
          `\nclassifiers alone (no detector), median ms per face, batch 1 vs batch n:\n${formatBatchTable(batches)}\n`,
        );
      }
      if (emoReport !== undefined) io.out(`\n${formatEmoReport(emoReport)}\n`);
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
