/**
 * `npm run analyze -- --weights <resnet> --temporal <lstm> <videos or frame folders>`: the temporal mode.
 * Each argument is one stream (a video read by ffmpeg at the temporal model's 5 fps, or a folder of frames
 * in name order): every frame goes through one src/ml VideoSession per stream, as in the extension: the
 * engine's video path (with the ResNet-50's features), then each face through src/ml/temporal-smoother.ts,
 * which follows it across frames and runs the LSTM on its last 2 s. One line per face per frame (or one JSON object per frame with --json).
 */
import { stat } from 'node:fs/promises';
import type { AnalyzeOptions, Engine } from '../ml/engine-api.ts';
import type { InferenceBackend } from '../ml/backend.ts';
import type { TemporalEntry } from '../ml/manifest.ts';
import { type SmoothedFace, createTemporalSmoother } from '../ml/temporal-smoother.ts';
import { openVideoSession } from '../ml/video-session.ts';
import type { AnalyzeCliOptions } from './analyze-options.ts';
import { type CliIo, errorMessage } from './cli-io.ts';
import { EXIT_FAILED, EXIT_OK, type Prepared } from './command.ts';
import {
  type LoadedTemporal,
  describeTemporal,
  loadTemporal,
  loadWeightsForTool,
  withFeatures,
} from './emo-weights.ts';
import { faceToJson, formatFaceLine, round } from './face-output.ts';
import type { EngineHandle } from './open-engine.ts';
import { type VideoFrame, isVideoFile, readFrameFolder, readVideoFrames } from './video-frames.ts';

export interface TemporalAnalyzeInput {
  engine: Engine;
  backend: InferenceBackend;
  temporal: TemporalEntry;
  paths: readonly string[];
  options: Partial<AnalyzeOptions>;
  json: boolean;
  /** Frame rate of frame folders (videos are decoded at the temporal model's sampleFps). */
  folderFps: number;
  io: CliIo;
  /** Frames source (tests replace it); default: ffmpeg for videos, the folder walk for folders. */
  frames?: (path: string) => AsyncIterable<VideoFrame>;
}

/** The label of the smoothed result: "smoothed over 2 s" (or "over 0.6 s so far" while the window fills). */
export function smoothedText(s: SmoothedFace, entry: TemporalEntry): string {
  const span = (n: number): string => `${round(n / entry.sampleFps, 1)} s`;
  const over = s.samples >= entry.window ? span(entry.window) : `${span(s.samples)} so far`;
  return `smoothed over ${over}: ${s.top.emotion} ${s.top.probability.toFixed(2)}`;
}

export function smoothedToJson(s: SmoothedFace, entry: TemporalEntry): unknown {
  return {
    track: s.trackId,
    samples: s.samples,
    window: entry.window,
    spanMs: (entry.window * 1000) / entry.sampleFps,
    fresh: s.fresh,
    emotions: Object.fromEntries(Object.entries(s.emotions).map(([k, v]) => [k, round(v, 4)])),
    top: { emotion: s.top.emotion, probability: round(s.top.probability, 4) },
  };
}

async function* framesOf(
  path: string,
  temporal: TemporalEntry,
  folderFps: number,
): AsyncIterable<VideoFrame> {
  if (isVideoFile(path)) {
    yield* readVideoFrames(path, temporal.sampleFps);
    return;
  }
  let folder = false;
  try {
    folder = (await stat(path)).isDirectory();
  } catch {
    throw new Error(`${path}: no such file or folder`);
  }
  if (!folder) {
    throw new Error(
      `${path}: with --temporal, give videos (${['.mp4', '.webm', '.mkv', '...'].join(', ')}) or folders of frames`,
    );
  }
  yield* readFrameFolder(path, folderFps);
}

/** Runs every stream; returns the failed streams, frames and faces counted. */
export async function analyzeStreams(
  input: TemporalAnalyzeInput,
): Promise<{ failed: number; frames: number; faces: number }> {
  const { engine, backend, temporal, paths, options, json, io } = input;
  const frames = input.frames ?? ((path: string) => framesOf(path, temporal, input.folderFps));
  let failed = 0;
  let frameCount = 0;
  let faceCount = 0;
  for (const path of paths) {
    const session = openVideoSession(engine, path, createTemporalSmoother(backend, temporal));
    try {
      for await (const frame of frames(path)) {
        frameCount++;
        const result = await session.analyzeFrame(frame.image, frame.timestampMs, options);
        // The temporal model is what this mode is for: its failure fails the stream.
        if (result.temporalError) throw result.temporalError;
        const { faces } = result;
        const smoothed = result.smoothed ?? [];
        faceCount += faces.length;
        const t = `t ${(frame.timestampMs / 1000).toFixed(1)} s`;
        if (json) {
          io.out(
            `${JSON.stringify({
              file: path,
              frame: frame.index,
              timeMs: round(frame.timestampMs, 1),
              width: frame.image.width,
              height: frame.image.height,
              faces: faces.map((face, i) => ({
                ...(faceToJson(face) as object),
                smoothed: smoothed[i] ? smoothedToJson(smoothed[i], temporal) : null,
              })),
            })}\n`,
          );
        } else if (faces.length === 0) {
          io.out(`${path}  ${t}  no face\n`);
        } else {
          io.out(
            faces
              .map((face, i) => {
                const s = smoothed[i];
                const line = formatFaceLine(`${path}  ${t}`, face, i, faces.length);
                return s ? `${line}  #${s.trackId}  ${smoothedText(s, temporal)}` : line;
              })
              .join('\n') + '\n',
          );
        }
      }
    } catch (error) {
      failed++;
      const message = errorMessage(error);
      io.err(`${message.startsWith(path) ? message : `${path}: ${message}`}\n`);
      if (json) io.out(`${JSON.stringify({ file: path, error: message })}\n`);
    } finally {
      session.end();
    }
  }
  return { failed, frames: frameCount, faces: faceCount };
}

export interface StreamsInput {
  mode: 'streams';
  paths: readonly string[];
  /** The engine options, the imported ResNet-50 chosen as the classifier. */
  options: Partial<AnalyzeOptions>;
  json: boolean;
  temporal: LoadedTemporal;
  folderFps: number;
}

/**
 * Imports both models (--weights, with its features output switched on, and --temporal); a file that cannot
 * be used stops the run with exit 1 (WeightsError, printed by the command skeleton).
 */
export async function prepareStreams(
  cli: AnalyzeCliOptions,
  weightsPath: string,
  temporalPath: string,
  io: CliIo,
): Promise<Prepared<StreamsInput> | number> {
  const loaded = await loadWeightsForTool('analyze', weightsPath, io);
  if (!loaded) return EXIT_FAILED;
  const temporal = await loadTemporal(temporalPath);
  const weights = withFeatures(loaded, temporal);
  io.err(`analyze: ${describeTemporal(temporal)}\n`);
  return {
    input: {
      mode: 'streams',
      paths: cli.paths,
      options: { ...cli.options, classifierId: weights.entry.id },
      json: cli.json,
      temporal,
      folderFps: cli.folderFps ?? temporal.entry.sampleFps,
    },
    engine: { extraModels: [weights], temporalModels: [temporal] },
  };
}

export async function analyzeTemporal(handle: EngineHandle, input: StreamsInput, io: CliIo): Promise<number> {
  if (!handle.backend) throw new Error('analyze: the engine exposes no backend to run the temporal model on');
  const { paths } = input;
  const started = performance.now();
  const result = await analyzeStreams({
    engine: handle.engine,
    backend: handle.backend,
    temporal: input.temporal.entry,
    paths,
    options: input.options,
    json: input.json,
    folderFps: input.folderFps,
    io,
  });
  const seconds = (performance.now() - started) / 1000;
  io.err(
    `analyze: ${paths.length - result.failed} of ${paths.length} stream(s) analysed, ${result.frames} frame(s), ` +
      `${result.faces} face(s) in ${seconds.toFixed(1)} s` +
      `${result.failed > 0 ? `, ${result.failed} failed` : ''}\n`,
  );
  return result.failed > 0 ? EXIT_FAILED : EXIT_OK;
}
