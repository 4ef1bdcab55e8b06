/**
 * bench's pipeline rows: one classifier on one image, warm-up runs, then measured runs until both the run
 * count and the seconds are reached (capped by maxSeconds); median and p95 per stage (decode, preprocess,
 * detector, nms, crop, classifier, total) and faces per second.
 */
import { basename } from 'node:path';
import type { AnalyzeOptions, Stage, StageTrace } from '../ml/engine-api.ts';
import { formatTable } from '../eval/classification-metrics.ts';
import type { BenchImage } from './bench-images.ts';
import type { CliIo } from './cli-io.ts';
import { decodeImage } from './image-io.ts';
import type { EngineHandle } from './open-engine.ts';
import { type TimingStats, formatMs, timingStats } from './stats.ts';

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

export type StageStats = TimingStats;

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
    if (values.length > 0) stages[stage] = timingStats(values);
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

/** Every classifier on every image, in that order, reporting progress on stderr. */
export async function benchPipelineRows(
  handle: EngineHandle,
  classifierIds: readonly string[],
  images: readonly BenchImage[],
  options: Partial<AnalyzeOptions>,
  limits: BenchLimits,
  io: CliIo,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const classifierId of classifierIds) {
    for (const image of images) {
      io.err(`bench: ${classifierId} on ${basename(image.file)}...\n`);
      const row = await benchOne(handle, image, { ...options, classifierId }, limits);
      rows.push({ classifierId, ...row });
    }
  }
  return rows;
}

function formatStats(stats: StageStats | undefined): string {
  return stats === undefined ? '-' : `${formatMs(stats.medianMs)} / ${formatMs(stats.p95Ms)}`;
}

export function formatBenchTable(rows: readonly BenchRow[]): string {
  const header = ['classifier', 'image', 'size', 'faces', 'runs', ...BENCH_STAGES, 'faces/s', 'images/s'];
  const body = rows.map((r) => [
    r.classifierId,
    basename(r.image),
    `${r.width}x${r.height}`,
    String(r.faces),
    String(r.runs),
    ...BENCH_STAGES.map((s) => formatStats(r.stages[s])),
    r.faces === 0 ? '-' : r.facesPerSecond.toFixed(1),
    r.imagesPerSecond.toFixed(1),
  ]);
  return formatTable([header, ...body], 2);
}
