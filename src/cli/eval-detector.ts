/**
 * eval of the face detector: --boxes (path,x,y,w,h[,ignore], one row per face) gives recall and false
 * positives per image, a face counting as found when its centre lies inside a detection or IoU >= 0.3;
 * --negatives (path, photos without faces) gives detections per image. Per-image tables per sweep point, then
 * a summary table; or one JSON document.
 */
import { dirname, resolve } from 'node:path';
import type { DetectOptions, Engine } from '../ml/engine-api.ts';
import { formatPercent, formatTable } from '../eval/classification-metrics.ts';
import {
  type DetectionImage,
  type DetectionSummary,
  type GroundTruthFace,
  type NegativesSummary,
  matchDetections,
  summarizeDetection,
  summarizeNegatives,
} from '../eval/detection-metrics.ts';
import type { CliIo } from './cli-io.ts';
import { loadCsv } from './eval-csv.ts';
import { type Failures, ImageCache, warmUp } from './eval-images.ts';
import type { EvalRequest } from './eval-options.ts';
import { type SweepPoint, sweepHeader } from './eval-sweep.ts';
import { UsageError } from './parse-command.ts';

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

/** Evaluates every sweep point and prints the result (tables, or JSON with --json). */
export async function runDetectorEval(
  engine: Engine,
  request: EvalRequest,
  io: CliIo,
  failures: Failures,
  sweepKeys: readonly (keyof SweepPoint)[],
): Promise<void> {
  const results = await evalDetector(engine, request, io, failures);
  if (!request.json) {
    printDetector(io, results, sweepKeys);
    return;
  }
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
}
