/**
 * `npm run bench`'s video-mode rows: the engine on one picture as a still (`analyze`: every detector pass,
 * every time) against the same picture as the frames of a 30 fps video (`analyzeVideoFrame`: the extra
 * passes only when the stream needs them, src/ml/video-passes.ts). Still and video runs alternate, so load
 * on a shared machine hits both alike, and the table gives their ratio.
 */
import { basename } from 'node:path';
import type { AnalyzeOptions, Engine } from '../ml/engine-api.ts';
import type { RgbaImage } from '../ml/types.ts';
import { formatTable } from '../eval/classification-metrics.ts';
import type { BenchImage } from './bench-images.ts';
import type { CliIo } from './cli-io.ts';
import { decodeImage } from './image-io.ts';
import { formatMs, timingStats } from './stats.ts';

/** The clock of the simulated video, ms per frame (30 fps). */
export const VIDEO_FRAME_MS = 1000 / 30;

export interface VideoModeStats {
  medianMs: number;
  p95Ms: number;
}

export interface VideoModeRow {
  image: string;
  width: number;
  height: number;
  /** Faces found as a still / in the last video frame. */
  stillFaces: number;
  videoFaces: number;
  runs: number;
  still: VideoModeStats;
  video: VideoModeStats;
  /** video median / still median: below 1, video mode is faster. */
  ratio: number;
}

export interface VideoModeLimits {
  runs: number;
  seconds: number;
  maxSeconds: number;
  warmup: number;
}

type Stats = (values: readonly number[]) => VideoModeStats;

/**
 * Alternates analyze and analyzeVideoFrame on `image` until the limits are met. The stream id is fresh per
 * call, so every row starts as a new video.
 */
export async function benchVideoMode(
  engine: Engine,
  name: string,
  image: RgbaImage,
  options: Partial<AnalyzeOptions>,
  limits: VideoModeLimits,
  stats: Stats,
): Promise<VideoModeRow> {
  const streamId = `bench-video:${name}:${Math.random().toString(36).slice(2)}`;
  let timestampMs = 0;
  const nextFrame = () => {
    const frame = { streamId, timestampMs };
    timestampMs += VIDEO_FRAME_MS;
    return frame;
  };
  try {
    for (let i = 0; i < limits.warmup; i++) {
      await engine.analyze(image, options);
      await engine.analyzeVideoFrame(image, nextFrame(), options);
    }
    const still: number[] = [];
    const video: number[] = [];
    let stillFaces = 0;
    let videoFaces = 0;
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    while (
      (still.length < limits.runs || elapsed() < limits.seconds) &&
      (still.length === 0 || elapsed() < limits.maxSeconds)
    ) {
      let t = performance.now();
      stillFaces = (await engine.analyze(image, options)).length;
      still.push(performance.now() - t);
      t = performance.now();
      videoFaces = (await engine.analyzeVideoFrame(image, nextFrame(), options)).length;
      video.push(performance.now() - t);
    }
    const s = stats(still);
    const v = stats(video);
    return {
      image: name,
      width: image.width,
      height: image.height,
      stillFaces,
      videoFaces,
      runs: still.length,
      still: s,
      video: v,
      ratio: v.medianMs / s.medianMs,
    };
  } finally {
    engine.endStream(streamId);
  }
}

/** One row per image (decoded from its bytes first), reporting progress on stderr. */
export async function benchVideoRows(
  engine: Engine,
  images: readonly BenchImage[],
  options: Partial<AnalyzeOptions>,
  limits: VideoModeLimits,
  io: CliIo,
): Promise<VideoModeRow[]> {
  const rows: VideoModeRow[] = [];
  for (const image of images) {
    io.err(`bench: ${basename(image.file)} as a still vs as video frames...\n`);
    const decoded = await decodeImage(image.bytes, image.file);
    rows.push(await benchVideoMode(engine, image.file, decoded, options, limits, timingStats));
  }
  return rows;
}

export function formatVideoModeTable(rows: readonly VideoModeRow[]): string {
  const header = ['image', 'size', 'faces', 'runs', 'still ms', 'video ms', 'video / still'];
  const body = rows.map((r) => [
    basename(r.image),
    `${r.width}x${r.height}`,
    r.stillFaces === r.videoFaces ? String(r.stillFaces) : `${r.stillFaces} / ${r.videoFaces}`,
    String(r.runs),
    `${formatMs(r.still.medianMs)} / ${formatMs(r.still.p95Ms)}`,
    `${formatMs(r.video.medianMs)} / ${formatMs(r.video.p95Ms)}`,
    r.ratio.toFixed(2),
  ]);
  return formatTable([header, ...body], 2);
}
