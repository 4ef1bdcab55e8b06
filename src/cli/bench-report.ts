/** How bench prints its measurements: one JSON document with --json, else the tables, section by section. */
import type { AnalyzeOptions } from '../ml/engine-api.ts';
import { type BatchRow, formatBatchTable } from './bench-classifiers.ts';
import { type EmoReport, formatEmoReport } from './bench-emo-affectnet.ts';
import { type BenchLimits, type BenchRow, formatBenchTable } from './bench-pipeline.ts';
import { VIDEO_FRAME_MS, type VideoModeRow, formatVideoModeTable } from './bench-video.ts';
import type { CliIo } from './cli-io.ts';

export interface BenchReport {
  environment: string;
  limits: BenchLimits;
  options: Partial<AnalyzeOptions>;
  rows: BenchRow[];
  videoMode: VideoModeRow[];
  /** The classifier of the video-mode rows (not in the JSON, which predates it). */
  videoClassifier: string | undefined;
  batches: BatchRow[];
  emoAffectNet: EmoReport | undefined;
}

export function printBench(io: CliIo, json: boolean, report: BenchReport): void {
  const { environment, limits, options, rows, videoMode, videoClassifier, batches, emoAffectNet } = report;
  if (json) {
    io.out(
      `${JSON.stringify({ environment, limits, options, rows, videoMode, batches, emoAffectNet }, null, 2)}\n`,
    );
    return;
  }
  io.out(`${environment}\n`);
  if (rows.length > 0) {
    io.out(
      'median / p95 per stage, ms (decode from encoded bytes in memory; total = decode + analyze)\n' +
        `${formatBenchTable(rows)}\n`,
    );
  }
  if (videoMode.length > 0) {
    io.out(
      `\nvideo mode (frames of a ${Math.round(1000 / VIDEO_FRAME_MS)} fps video) vs still, ${videoClassifier ?? ''}, ` +
        `engine only, median / p95 ms, runs alternating:\n${formatVideoModeTable(videoMode)}\n`,
    );
  }
  if (batches.length > 0) {
    io.out(
      `\nclassifiers alone (no detector), median ms per face, batch 1 vs batch n:\n${formatBatchTable(batches)}\n`,
    );
  }
  if (emoAffectNet !== undefined) io.out(`\n${formatEmoReport(emoAffectNet)}\n`);
}
