/**
 * `npm run eval -- ...`: measures the engine on labelled data (../shared/data, never copied into the repo).
 * Classifier: --csv labels.csv --mode crop|full -> accuracy, macro recall, per-class recall, confusion matrix.
 * Detector: --boxes boxes.csv -> recall, false positives per image; --negatives labels.csv -> detections per
 * image on photos without faces. Comma lists (--model a,b --margin 0,0.1 --min-score .5,.6 --small-faces ..)
 * evaluate every combination and end with a summary table.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { EMOTIONS, type EmotionScores, isEmotion } from '../ml/emotions.ts';
import type { AnalyzeOptions, DetectOptions, Engine } from '../ml/engine-api.ts';
import type { RgbaImage } from '../ml/types.ts';
import {
  type ClassificationMetrics,
  type LabelledPrediction,
  computeClassificationMetrics,
  formatConfusionMatrix,
  formatTable,
  formatPerClassRecall,
  formatPercent,
} from '../eval/classification-metrics.ts';
import { type CsvTable, parseCsv } from '../eval/csv.ts';
import {
  type DetectionImage,
  type DetectionSummary,
  type GroundTruthFace,
  type NegativesSummary,
  matchDetections,
  summarizeDetection,
  summarizeNegatives,
} from '../eval/detection-metrics.ts';
import { type CliIo, errorMessage, isMainModule, processIo } from './cli-io.ts';
import {
  RANGES,
  SMALL_FACES,
  checkClassifierIds,
  classifyOptionSpecs,
  detectOptionSpecs,
} from './engine-flags.ts';
import {
  readChoice,
  readChoiceList,
  readFlag,
  readNumber,
  readNumberList,
  readOnOff,
  readString,
  readStringList,
} from './flag-readers.ts';
import { type EngineHandle, type OpenEngine, openNodeEngine } from './open-engine.ts';
import {
  type CommandSpec,
  type OptionValues,
  UsageError,
  formatHelp,
  parseCommand,
} from './parse-command.ts';
import { WEIGHTS_OPTION, loadWeightsForTool, readWeights } from './emo-weights.ts';
import { readImage } from './image-io.ts';

const MODES = ['crop', 'full'] as const;
type Mode = (typeof MODES)[number];

export const EVAL_SPEC: CommandSpec = {
  command: 'eval',
  usage: [
    'npm run eval -- --csv <labels.csv> --mode crop|full [--usage <split>] [--model a,b] [--margin x,y] [--limit n]',
    'npm run eval -- [--boxes <boxes.csv>] [--negatives <labels.csv>] [--min-score x,y] [--small-faces m,n]',
  ],
  description:
    'Classifier eval (--csv, columns path,label[,usage]; paths relative to the CSV): accuracy, macro recall\n' +
    '(mean recall over the classes present), per-class recall and confusion matrix (rows true, columns\n' +
    'predicted). crop mode classifies each whole image as a face crop; full mode runs the detector and\n' +
    'classifies the best-scoring face, counting images without a face as wrong.\n' +
    'Detector eval (--boxes, columns path,x,y,w,h[,ignore]; --negatives, column path): a face counts as\n' +
    'found when its centre lies inside a detection or IoU >= 0.3; each detection matches one face.\n' +
    'Comma lists evaluate every combination and end with a summary table.\n' +
    'Exit code: 0 ok, 1 when some image could not be read or analysed, 2 on usage errors.',
  positionals: false,
  options: {
    csv: {
      type: 'string',
      value: '<labels.csv>',
      description: 'classifier eval: CSV with path,label[,usage]',
    },
    mode: {
      type: 'string',
      value: '<crop|full>',
      description: 'crop: whole image is the face; full: detect then classify',
    },
    usage: {
      type: 'string',
      value: '<split>',
      description: 'only rows with this usage, e.g. PublicTest (tune) or PrivateTest (report)',
    },
    limit: {
      type: 'string',
      value: '<n>',
      description: 'use n evenly spaced rows (sorted CSVs keep every class)',
    },
    boxes: {
      type: 'string',
      value: '<boxes.csv>',
      description: 'detector eval: CSV with path,x,y,w,h[,ignore] (one row per face)',
    },
    negatives: {
      type: 'string',
      value: '<labels.csv>',
      description: 'detector eval: CSV with path of images without faces',
    },
    json: { type: 'boolean', description: 'print one JSON document with every result instead of tables' },
    ...classifyOptionSpecs(true),
    ...WEIGHTS_OPTION,
    ...detectOptionSpecs(true),
  },
  examples: [
    'npm run eval -- --csv ../shared/data/fer2013-test/labels.csv --mode crop --usage PublicTest --model mini-xception,face-api-expression',
    'npm run eval -- --csv ../shared/data/fer2013-test/labels.csv --mode full --usage PublicTest --margin 0,0.1,0.2 --limit 700',
    'npm run eval -- --boxes ../shared/data/face-boxes/dlib-pascalvoc/boxes.csv --negatives ../shared/data/face-boxes/negatives-noface/labels.csv --small-faces off,full-range',
  ],
};

/** One point of a sweep: the swept values; everything else is `fixed` or the engine's default. */
interface SweepPoint {
  classifierId?: string;
  cropMargin?: number;
  minScore?: number;
  smallFaces?: DetectOptions['smallFaces'];
}

interface EvalRequest {
  json: boolean;
  /** --weights: the user's EMO-AffectNet file (emo-weights.ts). */
  weights?: string | undefined;
  fixed: Partial<AnalyzeOptions>;
  points: SweepPoint[];
  classification?: { csv: string; mode: Mode; usage?: string; limit?: number };
  boxes?: string;
  negatives?: string;
}

/** Every combination of the given lists, in the order the flags are listed (models outermost). */
export function sweepPoints(lists: {
  classifierId?: string[];
  cropMargin?: number[];
  minScore?: number[];
  smallFaces?: DetectOptions['smallFaces'][];
}): SweepPoint[] {
  let points: SweepPoint[] = [{}];
  const expand = <K extends keyof SweepPoint>(key: K, values: SweepPoint[K][] | undefined): void => {
    if (values === undefined) return;
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  };
  expand('classifierId', lists.classifierId);
  expand('cropMargin', lists.cropMargin);
  expand('minScore', lists.minScore);
  expand('smallFaces', lists.smallFaces);
  return points;
}

function describePoint(point: SweepPoint): string {
  const parts: string[] = [];
  if (point.classifierId !== undefined) parts.push(`model=${point.classifierId}`);
  if (point.cropMargin !== undefined) parts.push(`margin=${point.cropMargin}`);
  if (point.minScore !== undefined) parts.push(`min-score=${point.minScore}`);
  if (point.smallFaces !== undefined) parts.push(`small-faces=${point.smallFaces}`);
  return parts.join(' ');
}

function readRequest(values: OptionValues, io: CliIo): EvalRequest {
  const csv = readString(values, 'csv');
  const boxes = readString(values, 'boxes');
  const negatives = readString(values, 'negatives');
  if (csv === undefined && boxes === undefined && negatives === undefined) {
    throw new UsageError(
      'eval: give --csv <labels.csv> (classifier) or --boxes/--negatives <csv> (detector); see --help',
    );
  }
  if (csv !== undefined && (boxes !== undefined || negatives !== undefined)) {
    throw new UsageError(
      'eval: --csv (classifier eval) cannot be combined with --boxes/--negatives (detector eval); run them separately',
    );
  }
  const fixed: Partial<AnalyzeOptions> = {};
  const nmsIoU = readNumber(values, 'nms-iou', RANGES.nmsIoU);
  if (nmsIoU !== undefined) fixed.nmsIoU = nmsIoU;
  const maxFaces = readNumber(values, 'max-faces', RANGES.maxFaces);
  if (maxFaces !== undefined) fixed.maxFaces = maxFaces;
  const largeFaces = readOnOff(values, 'large-faces');
  if (largeFaces !== undefined) fixed.largeFaces = largeFaces;
  const upright = readOnOff(values, 'upright-crop');
  if (upright !== undefined) fixed.uprightCrop = upright;
  const { weights, models } = readWeights(values, readStringList(values, 'model'), csv !== undefined);
  const margins = readNumberList(values, 'margin', RANGES.margin);
  const minScores = readNumberList(values, 'min-score', RANGES.minScore);
  const smallFaces = readChoiceList(values, 'small-faces', SMALL_FACES);
  const json = readFlag(values, 'json');

  if (csv !== undefined) {
    const mode = readChoice(values, 'mode', MODES);
    if (mode === undefined)
      throw new UsageError(
        'eval: --csv needs --mode crop (whole image is the face) or --mode full (detect first)',
      );
    const usage = readString(values, 'usage');
    const limit = readNumber(values, 'limit', { min: 1, max: 10_000_000, integer: true });
    if (mode === 'crop') {
      const ignored = [
        margins === undefined ? undefined : '--margin',
        minScores === undefined ? undefined : '--min-score',
        smallFaces === undefined ? undefined : '--small-faces',
      ].filter((x) => x !== undefined);
      if (ignored.length > 0) {
        io.err(
          `eval: note: ${ignored.join(', ')} ignored in --mode crop (no detector runs; the whole image is the crop)\n`,
        );
      }
      return {
        json,
        weights,
        fixed,
        points: sweepPoints({ classifierId: models }),
        classification: { csv, mode, usage, limit },
      };
    }
    return {
      json,
      weights,
      fixed,
      points: sweepPoints({ classifierId: models, cropMargin: margins, minScore: minScores, smallFaces }),
      classification: { csv, mode, usage, limit },
    };
  }
  for (const name of ['mode', 'usage', 'limit'] as const) {
    if (values[name] !== undefined)
      throw new UsageError(`eval: --${name} belongs to the classifier eval (--csv); remove it`);
  }
  if (weights !== undefined) {
    throw new UsageError(
      'eval: --weights is for the classifier eval (--csv); the detector eval runs no classifier',
    );
  }
  if (models !== undefined || margins !== undefined) {
    io.err('eval: note: --model/--margin ignored in the detector eval (only the detector runs)\n');
  }
  return {
    json,
    fixed,
    points: sweepPoints({ minScore: minScores, smallFaces }),
    boxes,
    negatives,
  };
}

// ---- data loading ----

async function loadCsv(file: string, required: readonly string[]): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`eval: cannot read ${file} (${errorMessage(error)}); check the path`);
  }
  try {
    return parseCsv(text, { source: file, required });
  } catch (error) {
    throw new UsageError(`eval: ${errorMessage(error)}`);
  }
}

/** Evenly spaced subset of n rows (all rows when n >= length), so a CSV sorted by class keeps every class. */
export function evenlySpaced<T>(items: readonly T[], n: number | undefined): T[] {
  if (n === undefined || n >= items.length) return [...items];
  const picked: T[] = [];
  for (let i = 0; i < n; i++) {
    const item = items[Math.floor((i * items.length) / n)];
    if (item !== undefined) picked.push(item);
  }
  return picked;
}

/**
 * Decoded images, kept in memory up to a budget so a sweep decodes each file once (FER2013's 3,589 48x48
 * images take 33 MB as RGBA).
 */
class ImageCache {
  private readonly cache = new Map<string, RgbaImage>();
  private bytes = 0;
  constructor(private readonly budgetBytes = 1024 * 1024 * 1024) {}

  async get(file: string): Promise<RgbaImage> {
    const hit = this.cache.get(file);
    if (hit !== undefined) return hit;
    const image = await readImage(file);
    if (this.bytes + image.data.byteLength <= this.budgetBytes) {
      this.cache.set(file, image);
      this.bytes += image.data.byteLength;
    }
    return image;
  }

  /** Decodes every file once (failures reported, not thrown) and says how long it took. */
  async preload(files: readonly string[], failures: Failures, io: CliIo): Promise<void> {
    const started = performance.now();
    const unique = [...new Set(files)];
    for (const file of unique) {
      try {
        await this.get(file);
      } catch (error) {
        failures.report(file, error);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    io.err(`eval: decoded ${unique.length - failures.files.size} image(s) in ${seconds.toFixed(1)} s\n`);
  }
}

/** Counts per-image failures: reported once per file, the run goes on and exits 1. */
class Failures {
  readonly files = new Set<string>();
  constructor(private readonly io: CliIo) {}
  report(file: string, error: unknown): void {
    if (this.files.has(file)) return;
    this.files.add(file);
    const message = errorMessage(error);
    this.io.err(`${message.startsWith(file) ? message : `${file}: ${message}`}\n`);
  }
}

/**
 * One untimed call before a config is timed: the first run of a model creates its session (hundreds of ms),
 * which would otherwise land in the first config's ms/image. Errors surface in the timed loop instead.
 */
async function warmUp(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch {
    // reported per image by the timed loop
  }
}

function argmax(scores: EmotionScores): (typeof EMOTIONS)[number] {
  let best: (typeof EMOTIONS)[number] = EMOTIONS[0];
  for (const emotion of EMOTIONS) if (scores[emotion] > scores[best]) best = emotion;
  return best;
}

// ---- classifier eval ----

interface ClassificationResult {
  point: SweepPoint;
  options: AnalyzeOptions;
  metrics: ClassificationMetrics;
  /** Full mode: images where no face was found (counted as wrong). */
  noFace: number;
  seconds: number;
}

async function evalClassification(
  engine: Engine,
  request: EvalRequest & { classification: NonNullable<EvalRequest['classification']> },
  io: CliIo,
  failures: Failures,
): Promise<{ samples: number; results: ClassificationResult[] }> {
  const { csv, mode, usage, limit } = request.classification;
  const table = await loadCsv(csv, usage === undefined ? ['path', 'label'] : ['path', 'label', 'usage']);
  const root = dirname(resolve(csv));
  let rows = table.rows.map((row, k) => ({ row, line: table.lines[k] ?? 0 }));
  if (usage !== undefined) {
    rows = rows.filter(({ row }) => row.usage === usage);
    if (rows.length === 0) {
      const splits = [...new Set(table.rows.map((r) => r.usage))].join(', ');
      throw new UsageError(`eval: no rows with usage "${usage}" in ${csv}; it has: ${splits}`);
    }
  }
  rows = evenlySpaced(rows, limit);
  const samples = rows.map(({ row, line }) => {
    const label = (row.label ?? '').trim();
    if (!isEmotion(label)) {
      throw new UsageError(
        `eval: ${csv} line ${line}: label "${label}" is not one of ${EMOTIONS.join(', ')}`,
      );
    }
    return { file: resolve(root, row.path ?? ''), label };
  });

  const cache = new ImageCache();
  // Decode first, so the per-config timings below measure the engine only.
  await cache.preload(
    samples.map((x) => x.file),
    failures,
    io,
  );
  const results: ClassificationResult[] = [];
  for (const point of request.points) {
    const options: AnalyzeOptions = { ...engine.defaults, ...request.fixed, ...point };
    const name = describePoint(point) || `model=${options.classifierId}`;
    io.err(
      `eval: ${mode} mode, ${name}, ${samples.length} images${usage === undefined ? '' : ` (${usage})`}...\n`,
    );
    await warmUp(async () => {
      const first = samples.find((x) => !failures.files.has(x.file));
      if (first === undefined) return;
      const image = await cache.get(first.file);
      if (mode === 'crop') await engine.classifyCrop(image, options.classifierId);
      else await engine.analyze(image, options);
    });
    const started = performance.now();
    const predictions: LabelledPrediction[] = [];
    let noFace = 0;
    for (const sample of samples) {
      if (failures.files.has(sample.file)) continue;
      let image: RgbaImage;
      try {
        image = await cache.get(sample.file);
      } catch (error) {
        failures.report(sample.file, error);
        continue;
      }
      try {
        if (mode === 'crop') {
          const scores = await engine.classifyCrop(image, options.classifierId);
          predictions.push({ truth: sample.label, predicted: argmax(scores) });
        } else {
          const faces = await engine.analyze(image, options);
          const best = faces.reduce<(typeof faces)[number] | undefined>(
            (a, f) => (a === undefined || f.score > a.score ? f : a),
            undefined,
          );
          if (best === undefined) noFace++;
          predictions.push({ truth: sample.label, predicted: best?.top.emotion ?? null });
        }
      } catch (error) {
        failures.report(sample.file, error);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    if (predictions.length === 0) {
      throw new Error(
        `eval: no image of ${csv} could be evaluated (${failures.files.size} failed); see the messages above`,
      );
    }
    results.push({
      point,
      options,
      metrics: computeClassificationMetrics(EMOTIONS, predictions),
      noFace,
      seconds,
    });
  }
  return { samples: samples.length, results };
}

function printClassification(
  io: CliIo,
  mode: Mode,
  results: readonly ClassificationResult[],
  sweepKeys: readonly (keyof SweepPoint)[],
): void {
  for (const r of results) {
    const m = r.metrics;
    const o = r.options;
    const detection = `  margin=${o.cropMargin}  min-score=${o.minScore}  small-faces=${o.smallFaces}`;
    const title = `== ${mode} mode  model=${o.classifierId}${mode === 'full' ? detection : ''}`;
    io.out(`${title}\n`);
    io.out(
      `images: ${m.total}   accuracy: ${formatPercent(m.accuracy)} (${m.correct}/${m.total})   macro recall: ${formatPercent(m.macroRecall)}\n`,
    );
    if (mode === 'full') io.out(`no face found: ${r.noFace} of ${m.total} image(s) (counted as wrong)\n`);
    io.out(`time: ${r.seconds.toFixed(1)} s (${((r.seconds * 1000) / m.total).toFixed(1)} ms/image)\n\n`);
    io.out(`${formatPerClassRecall(m)}\n\nconfusion matrix (rows: true class, columns: predicted)\n`);
    io.out(`${formatConfusionMatrix(m, 'no face')}\n\n`);
  }
  if (results.length > 1) {
    const rows = [
      [
        ...sweepKeys.map(sweepHeader),
        'images',
        'accuracy',
        'macro recall',
        ...(mode === 'full' ? ['no face'] : []),
        'ms/image',
      ],
    ];
    for (const r of results) {
      rows.push([
        ...sweepKeys.map((k) => String(r.point[k] ?? '')),
        String(r.metrics.total),
        formatPercent(r.metrics.accuracy),
        formatPercent(r.metrics.macroRecall),
        ...(mode === 'full' ? [String(r.noFace)] : []),
        ((r.seconds * 1000) / r.metrics.total).toFixed(1),
      ]);
    }
    io.out(`summary\n${formatTable(rows, sweepKeys.length)}\n`);
  }
}

// ---- detector eval ----

interface DetectorResult {
  point: SweepPoint;
  options: DetectOptions;
  boxes?: {
    summary: DetectionSummary;
    perImage: { file: string; faces: number; found: number; falsePositives: number; detections: number }[];
  };
  negatives?: {
    summary: NegativesSummary;
    perImage: { file: string; detections: number; maxScore: number | null }[];
  };
  seconds: number;
}

interface BoxesImage {
  file: string;
  truth: GroundTruthFace[];
}

async function loadBoxes(csv: string): Promise<BoxesImage[]> {
  const table = await loadCsv(csv, ['path', 'x', 'y', 'w', 'h']);
  const root = dirname(resolve(csv));
  const byPath = new Map<string, BoxesImage>();
  table.rows.forEach((row, k) => {
    const line = table.lines[k] ?? 0;
    const number = (column: 'x' | 'y' | 'w' | 'h'): number => {
      const text = (row[column] ?? '').trim();
      const value = text === '' ? Number.NaN : Number(text);
      const positive = column === 'w' || column === 'h';
      if (!Number.isFinite(value) || (positive && value <= 0)) {
        throw new UsageError(
          `eval: ${csv} line ${line}: ${column} must be a ${positive ? 'number > 0' : 'number'} (pixels), got "${text}"`,
        );
      }
      return value;
    };
    const box = { x: number('x'), y: number('y'), width: number('w'), height: number('h') };
    const ignoreText = (row.ignore ?? '0').trim().toLowerCase();
    const file = resolve(root, row.path ?? '');
    let image = byPath.get(file);
    if (image === undefined) {
      image = { file, truth: [] };
      byPath.set(file, image);
    }
    image.truth.push({
      box,
      ignore: ignoreText === '1' || ignoreText === 'true' || ignoreText === 'yes',
    });
  });
  if (byPath.size === 0) throw new UsageError(`eval: ${csv} has no rows`);
  return [...byPath.values()];
}

async function loadNegatives(csv: string, io: CliIo): Promise<string[]> {
  const table = await loadCsv(csv, ['path']);
  const root = dirname(resolve(csv));
  const files: string[] = [];
  table.rows.forEach((row, k) => {
    const faces = row.faces === undefined ? 0 : Number(row.faces);
    if (faces !== 0) {
      io.err(`eval: ${csv} line ${table.lines[k] ?? 0}: faces=${row.faces}, not a negative; skipped\n`);
      return;
    }
    files.push(resolve(root, row.path ?? ''));
  });
  if (files.length === 0) throw new UsageError(`eval: ${csv} lists no image without faces`);
  return files;
}

async function evalDetector(
  engine: Engine,
  request: EvalRequest,
  io: CliIo,
  failures: Failures,
): Promise<DetectorResult[]> {
  const boxes = request.boxes === undefined ? undefined : await loadBoxes(request.boxes);
  const negatives = request.negatives === undefined ? undefined : await loadNegatives(request.negatives, io);
  const cache = new ImageCache();
  await cache.preload([...(boxes ?? []).map((b) => b.file), ...(negatives ?? [])], failures, io);
  const results: DetectorResult[] = [];
  for (const point of request.points) {
    const options: DetectOptions = { ...engine.defaults, ...request.fixed, ...point };
    await warmUp(() => {
      const first = [...(boxes ?? []).map((b) => b.file), ...(negatives ?? [])].find(
        (f) => !failures.files.has(f),
      );
      return first === undefined
        ? Promise.resolve()
        : cache.get(first).then((image) => engine.detect(image, options));
    });
    const started = performance.now();
    const result: DetectorResult = { point, options, seconds: 0 };
    if (boxes !== undefined) {
      const images: DetectionImage[] = [];
      const perImage: NonNullable<DetectorResult['boxes']>['perImage'] = [];
      for (const { file, truth } of boxes) {
        if (failures.files.has(file)) continue;
        try {
          const detections = await engine.detect(await cache.get(file), options);
          images.push({ truth, detections });
          const match = matchDetections(truth, detections);
          perImage.push({
            file,
            faces: truth.filter((t) => !t.ignore).length,
            found: match.foundBy.filter((d, t) => d !== null && truth[t]?.ignore !== true).length,
            falsePositives: match.falsePositives.length,
            detections: detections.length,
          });
        } catch (error) {
          failures.report(file, error);
        }
      }
      if (images.length > 0) result.boxes = { summary: summarizeDetection(images), perImage };
    }
    if (negatives !== undefined) {
      const counts: number[] = [];
      const perImage: NonNullable<DetectorResult['negatives']>['perImage'] = [];
      for (const file of negatives) {
        if (failures.files.has(file)) continue;
        try {
          const detections = await engine.detect(await cache.get(file), options);
          counts.push(detections.length);
          const maxScore = detections.reduce<number | null>(
            (m, d) => (m === null || d.score > m ? d.score : m),
            null,
          );
          perImage.push({ file, detections: detections.length, maxScore });
        } catch (error) {
          failures.report(file, error);
        }
      }
      if (counts.length > 0) result.negatives = { summary: summarizeNegatives(counts), perImage };
    }
    result.seconds = (performance.now() - started) / 1000;
    if (result.boxes === undefined && result.negatives === undefined) {
      throw new Error('eval: no image could be evaluated; see the messages above');
    }
    results.push(result);
  }
  return results;
}

function shortName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

function printDetector(
  io: CliIo,
  results: readonly DetectorResult[],
  sweepKeys: readonly (keyof SweepPoint)[],
): void {
  for (const r of results) {
    const o = r.options;
    io.out(
      `== detector  min-score=${o.minScore}  nms-iou=${o.nmsIoU}  small-faces=${o.smallFaces}  large-faces=${o.largeFaces ? 'on' : 'off'}  max-faces=${o.maxFaces}\n`,
    );
    if (r.boxes !== undefined) {
      const s = r.boxes.summary;
      const rows = [['image', 'faces', 'found', 'false pos.', 'detections']];
      for (const p of r.boxes.perImage) {
        rows.push([
          shortName(p.file),
          String(p.faces),
          String(p.found),
          String(p.falsePositives),
          String(p.detections),
        ]);
      }
      io.out(`${formatTable(rows, 1)}\n`);
      io.out(
        `faces: recall ${formatPercent(s.recall)} (${s.found}/${s.faces} found on ${s.images} images), ` +
          `false positives ${s.falsePositives} = ${s.falsePositivesPerImage.toFixed(2)}/image\n`,
      );
    }
    if (r.negatives !== undefined) {
      const s = r.negatives.summary;
      const rows = [['no-face image', 'detections', 'max score']];
      for (const p of r.negatives.perImage) {
        rows.push([
          shortName(p.file),
          String(p.detections),
          p.maxScore === null ? '-' : p.maxScore.toFixed(3),
        ]);
      }
      io.out(`${formatTable(rows, 1)}\n`);
      io.out(
        `negatives: ${s.detections} detection(s) on ${s.images} images without faces = ${s.detectionsPerImage.toFixed(2)}/image ` +
          `(${s.imagesWithDetections} image(s) with any)\n`,
      );
    }
    io.out(`time: ${r.seconds.toFixed(1)} s\n\n`);
  }
  if (results.length > 1) {
    const header = [...sweepKeys.map(sweepHeader)];
    if (results[0]?.boxes !== undefined) header.push('recall', 'found', 'FP/image');
    if (results[0]?.negatives !== undefined) header.push('neg. det/image');
    const rows = [header];
    for (const r of results) {
      const row = sweepKeys.map((k) => String(r.point[k] ?? ''));
      if (r.boxes !== undefined) {
        const s = r.boxes.summary;
        row.push(formatPercent(s.recall), `${s.found}/${s.faces}`, s.falsePositivesPerImage.toFixed(2));
      }
      if (r.negatives !== undefined) row.push(r.negatives.summary.detectionsPerImage.toFixed(2));
      rows.push(row);
    }
    io.out(`summary\n${formatTable(rows, sweepKeys.length)}\n`);
  }
}

// ---- shared output ----

function sweepHeader(key: keyof SweepPoint): string {
  return { classifierId: 'model', cropMargin: 'margin', minScore: 'min-score', smallFaces: 'small-faces' }[
    key
  ];
}

function sweptKeys(points: readonly SweepPoint[]): (keyof SweepPoint)[] {
  const keys: (keyof SweepPoint)[] = ['classifierId', 'cropMargin', 'minScore', 'smallFaces'];
  return keys.filter((k) => points.some((p) => p[k] !== undefined));
}

export async function runEval(
  argv: readonly string[],
  io: CliIo,
  openEngine: OpenEngine = openNodeEngine,
): Promise<number> {
  let request: EvalRequest;
  try {
    const parsed = parseCommand(EVAL_SPEC, argv);
    if (parsed.help) {
      io.out(formatHelp(EVAL_SPEC));
      return 0;
    }
    request = readRequest(parsed.values, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const weights = await loadWeightsForTool('eval', request.weights, io);
  if (weights === null) return 1;
  let handle: EngineHandle;
  try {
    handle = await openEngine(weights === undefined ? {} : { extraModels: [weights] });
  } catch (error) {
    io.err(`eval: cannot load the engine: ${errorMessage(error)}\n`);
    return 1;
  }
  const failures = new Failures(io);
  try {
    const models = request.points.map((p) => p.classifierId).filter((id) => id !== undefined);
    if (handle.manifest !== undefined) checkClassifierIds(handle.manifest, models);
    const keys = sweptKeys(request.points);
    if (request.classification !== undefined) {
      const classification = request.classification;
      const { samples, results } = await evalClassification(
        handle.engine,
        { ...request, classification },
        io,
        failures,
      );
      if (request.json) {
        io.out(
          `${JSON.stringify(
            {
              task: 'classification',
              ...classification,
              images: samples,
              failedImages: [...failures.files],
              results: results.map((r) => ({
                swept: r.point,
                options: r.options,
                accuracy: r.metrics.accuracy,
                macroRecall: r.metrics.macroRecall,
                correct: r.metrics.correct,
                total: r.metrics.total,
                noFace: r.noFace,
                perClass: r.metrics.perClass,
                confusion: {
                  rows: 'true',
                  columns: [...r.metrics.labels, 'none'],
                  counts: r.metrics.confusion,
                },
                seconds: r.seconds,
              })),
            },
            null,
            2,
          )}\n`,
        );
      } else {
        printClassification(io, classification.mode, results, keys);
      }
    } else {
      const results = await evalDetector(handle.engine, request, io, failures);
      if (request.json) {
        io.out(
          `${JSON.stringify(
            {
              task: 'detection',
              boxes: request.boxes,
              negatives: request.negatives,
              failedImages: [...failures.files],
              results: results.map((r) => ({
                swept: r.point,
                options: r.options,
                boxes: r.boxes,
                negatives: r.negatives,
                seconds: r.seconds,
              })),
            },
            null,
            2,
          )}\n`,
        );
      } else {
        printDetector(io, results, keys);
      }
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n`);
      return 2;
    }
    io.err(`${errorMessage(error)}\n`);
    return 1;
  } finally {
    await handle.close?.();
  }
  if (failures.files.size > 0) {
    io.err(
      `eval: ${failures.files.size} image(s) could not be read or analysed (left out of the metrics); see above\n`,
    );
    return 1;
  }
  return 0;
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await runEval(process.argv.slice(2), processIo());
}
