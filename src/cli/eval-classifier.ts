/**
 * eval of the emotion classifiers (--csv path,label[,usage]): crop mode classifies each whole image as a face
 * crop; full mode runs the detector and classifies the best-scoring face (no face counts as wrong). Prints
 * accuracy, macro recall, per-class recall and the confusion matrix per sweep point, then a summary table;
 * or one JSON document.
 */
import { dirname, resolve } from 'node:path';
import { EMOTIONS, type EmotionScores, isEmotion } from '../ml/emotions.ts';
import type { AnalyzeOptions, Engine } from '../ml/engine-api.ts';
import type { RgbaImage } from '../ml/types.ts';
import {
  type ClassificationMetrics,
  type LabelledPrediction,
  computeClassificationMetrics,
  formatConfusionMatrix,
  formatPerClassRecall,
  formatPercent,
  formatTable,
} from '../eval/classification-metrics.ts';
import type { CliIo } from './cli-io.ts';
import { loadCsv } from './eval-csv.ts';
import { type Failures, ImageCache, warmUp } from './eval-images.ts';
import type { EvalRequest, Mode } from './eval-options.ts';
import { type SweepPoint, describePoint, sweepHeader } from './eval-sweep.ts';
import { evenlySpaced } from './stats.ts';
import { UsageError } from './parse-command.ts';

export type ClassifierEvalRequest = EvalRequest & {
  classification: NonNullable<EvalRequest['classification']>;
};

function argmax(scores: EmotionScores): (typeof EMOTIONS)[number] {
  let best: (typeof EMOTIONS)[number] = EMOTIONS[0];
  for (const emotion of EMOTIONS) if (scores[emotion] > scores[best]) best = emotion;
  return best;
}

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
  request: ClassifierEvalRequest,
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

/** Evaluates every sweep point and prints the result (tables, or JSON with --json). */
export async function runClassifierEval(
  engine: Engine,
  request: ClassifierEvalRequest,
  io: CliIo,
  failures: Failures,
  sweepKeys: readonly (keyof SweepPoint)[],
): Promise<void> {
  const { classification } = request;
  const { samples, results } = await evalClassification(engine, request, io, failures);
  if (!request.json) {
    printClassification(io, classification.mode, results, sweepKeys);
    return;
  }
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
}
