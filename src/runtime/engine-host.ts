/**
 * The engine host: one engine for every tab, in the offscreen document in Chrome and the background page in
 * Firefox. A short composition: the engine's lifecycle (engine-lifecycle.ts: load, reload, status), the
 * frames' receiver (src/transport/frame-receiver.ts: check and decode), the video streams
 * (video-streams.ts: one src/ml VideoSession per stream, with the temporal mode) and the FairScheduler
 * (still images first, then video frames fair over tabs and sources, at most one waiting frame per source).
 * Faces leave in the source's own pixels (the one place they are scaled), without their feature vectors,
 * with `smoothed` when the temporal model has a result. The loader and decoders are injected.
 */
import type { Face, StageTrace } from '../ml/engine-api.ts';
import { frameSideFor } from '../ml/frame-side.ts';
import { scaleFaces } from '../ml/scale-faces.ts';
import type { SmoothedFace } from '../ml/temporal-smoother.ts';
import type { RgbaImage } from '../ml/types.ts';
import type { EngineStatus } from '../protocol/engine-status.ts';
import type { FrameAnalysis, FrameFace, FrameRequest } from '../protocol/frames.ts';
import type { ImageAnalysis } from '../protocol/overlay.ts';
import type { HandlersFor, MessageSender } from '../protocol/protocol-map.ts';
import { createFrameReceiver } from '../transport/frame-receiver.ts';
import { KeyFrameNeededError, type VideoStreamDecoders } from '../transport/vp8-decoders.ts';
import type { DecodedImage } from './decode-image.ts';
import { createEngineLifecycle } from './engine-lifecycle.ts';
import type { LoadedEngine, LoadOptions } from './engine-loader.ts';
import { DROPPED, FairScheduler, fairIntervalMs } from './fair-scheduler.ts';
import { RollingStats } from './rolling-stats.ts';
import { createVideoStreams } from './video-streams.ts';

export interface EngineHostDeps {
  load: (options: LoadOptions) => Promise<LoadedEngine>;
  decodeImage: (bytes: ArrayBuffer, type: string) => Promise<DecodedImage>;
  /** Decodes a JPEG-encoded video frame. */
  decodeFrame: (bytes: ArrayBuffer) => Promise<RgbaImage>;
  /** The VP8 streams of 'vp8'-encoded video frames, one decoder per stream. */
  videoDecoders: VideoStreamDecoders;
  /** Monotonic clock, ms. */
  nowMs: () => number;
  /** `performance.timeOrigin + performance.now()`: comparable with FrameRequest.sentAtEpochMs. */
  epochMs: () => number;
  /** The watchdog's time for one engine run (default RUN_TIMEOUT_MS). */
  runTimeoutMs?: number;
}

/**
 * The longest one engine run (a frame, an image) may take before the engine counts as stuck and is
 * restarted. Runs take tens of milliseconds, a large still image on wasm about a second; first WebGPU runs
 * compile shaders, but those happen while loading, outside the scheduler.
 */
export const RUN_TIMEOUT_MS = 20_000;

/** A source that sent a frame this recently counts in the fair share (FrameAnalysis.nextFrameInMs), ms. */
export const ACTIVE_SOURCE_MS = 2000;
const LATENCY_EMA = 0.2;

export interface EngineHost {
  readonly handlers: HandlersFor<'engine'>;
  status: () => EngineStatus;
  /** A frames-port client went away: its waiting frames are dropped. */
  clientGone: (sender: MessageSender) => void;
  /** Frees the engine (idle for long): the status is 'absent' again and the next request loads it afresh. */
  unload: () => Promise<void>;
  dispose: () => Promise<void>;
}

/** A face for the reply: never its feature vector; with the temporal model's result when there is one. */
export function frameFaceOf(face: Face, smoothed: SmoothedFace | null): FrameFace {
  const { box, score, keypoints, emotions, top } = face;
  const out: FrameFace = { box, score, keypoints, emotions, top };
  if (smoothed) {
    const { emotions, top, spanMs, samples } = smoothed;
    out.smoothed = { emotions, top, spanMs, samples };
  }
  return out;
}

const clientKey = (sender: MessageSender) =>
  `${sender.tab?.id ?? 'ext'}/${sender.frameId ?? 0}/${sender.documentId ?? ''}`;

export function createEngineHost(deps: EngineHostDeps): EngineHost {
  const streams = createVideoStreams();
  const lifecycle = createEngineLifecycle(deps.load, () => streams.clear());
  const receiver = createFrameReceiver(deps);
  const scheduler = new FairScheduler({
    runTimeoutMs: deps.runTimeoutMs ?? RUN_TIMEOUT_MS,
    onStuck: (error) => lifecycle.restart(error.message),
  });
  const stats = new RollingStats();
  /** Sources that sent frames lately, by stream id: their tab (the scheduler's group) and when. */
  const activeSources = new Map<string, { group: string; atMs: number }>();
  /** Engine host time per frame, analysis and decoding (exponential mean), ms: the fair share's unit. */
  let perFrameMs = 0;
  const fairShareMs = (streamId: string, group: string): number => {
    const now = deps.nowMs();
    activeSources.set(streamId, { group, atMs: now });
    const perGroup = new Map<string, number>();
    for (const [id, source] of activeSources) {
      if (now - source.atMs > ACTIVE_SOURCE_MS) activeSources.delete(id);
      else perGroup.set(source.group, (perGroup.get(source.group) ?? 0) + 1);
    }
    return fairIntervalMs(perFrameMs, perGroup.size, perGroup.get(group) ?? 1);
  };
  const forgetSources = (theirs: (streamId: string) => boolean) => {
    for (const id of [...activeSources.keys()]) if (theirs(id)) activeSources.delete(id);
  };
  let lastUsedMs = deps.nowMs();
  const used = () => {
    lastUsedMs = deps.nowMs();
  };

  const analyzeOptions = (loaded: LoadedEngine) => ({
    minScore: lifecycle.config.minScore,
    classifierId: lifecycle.classifierIdFor(loaded),
  });

  /** One video frame: its faces in the source's pixels, and the frame side the source should send next. */
  const analyzeVideoFrame = async (
    frame: FrameRequest,
    image: RgbaImage,
    streamId: string,
    trace: StageTrace,
  ): Promise<{ faces: FrameFace[]; nextFrameSide: number }> => {
    const loaded = await lifecycle.engine();
    const options = analyzeOptions(loaded);
    // The stream's clock is the sender's send time: frames of one source are sent in order.
    const result = await streams.analyzeFrame(
      loaded,
      streamId,
      image,
      frame.sentAtEpochMs,
      { temporal: lifecycle.temporalInUse(loaded), analyze: options },
      trace,
    );
    if (result.temporalError) {
      const message = `The temporal model failed (${result.temporalError.message}); showing per-frame results.`;
      console.warn(`Affect Lens: ${message}`);
      streams.resetTemporal();
      lifecycle.temporalFailed(loaded, message);
    }
    const { faces, smoothed } = result;
    const { engine } = loaded;
    const nextFrameSide = frameSideFor({
      faces,
      width: image.width,
      height: image.height,
      classifierInputSide: engine.classifierInputSide(options.classifierId),
      cropMargin: engine.classifierCropMargin(options.classifierId),
      tiling: engine.defaults.smallFaces === 'tiling' || engine.defaults.smallFaces === 'full-range+tiling',
    });
    const inSource = scaleFaces(faces, frame.sourceWidth / image.width, frame.sourceHeight / image.height);
    return { faces: inSource.map((face, i) => frameFaceOf(face, smoothed?.[i] ?? null)), nextFrameSide };
  };

  const handlers: HandlersFor<'engine'> = {
    engineStatus: () => currentStatus(),

    engineConfigure(next) {
      used();
      if (lifecycle.configure(next).resetTemporal) streams.resetTemporal();
      return currentStatus();
    },

    async engineAnalyzeImage({ bytes, type }): Promise<ImageAnalysis> {
      used();
      const result = await scheduler.submit({
        group: 'user',
        source: 'image',
        priority: 'user',
        run: async () => {
          const decoded = await deps.decodeImage(bytes, type);
          const loaded = await lifecycle.engine();
          const start = deps.nowMs();
          const faces = await loaded.engine.analyze(decoded.image, analyzeOptions(loaded));
          const latencyMs = deps.nowMs() - start;
          stats.record(deps.nowMs(), latencyMs);
          return {
            width: decoded.naturalWidth,
            height: decoded.naturalHeight,
            faces: scaleFaces(faces, 1 / decoded.scale),
            latencyMs,
          };
        },
      });
      if (result === DROPPED)
        throw new Error('Image analysis was dropped (the engine host is shutting down).');
      return result;
    },

    engineModelsChanged() {
      used();
      lifecycle.modelsChanged();
      return currentStatus();
    },

    async engineClassifyCrop({ classifierId, width, height, pixels }) {
      used();
      if (!(pixels instanceof Uint8ClampedArray) || pixels.length !== width * height * 4) {
        throw new Error(
          `engineClassifyCrop: expected ${width}x${height}x4 bytes of RGBA as a Uint8ClampedArray`,
        );
      }
      const loaded = await lifecycle.engine();
      return loaded.engine.classifyCrop({ width, height, data: pixels }, classifierId);
    },

    endSource({ sourceId }, sender) {
      const ended = `${clientKey(sender)}|${sourceId}`;
      const theirs = (streamId: string) => streamId === ended;
      scheduler.dropWhere((_group, source) => theirs(source));
      receiver.end(theirs);
      streams.end(theirs);
      forgetSources(theirs);
    },
    async analyzeFrame(frame, sender): Promise<FrameAnalysis> {
      used();
      const wireMs = deps.epochMs() - frame.sentAtEpochMs;
      const received = deps.nowMs();
      const streamId = `${clientKey(sender)}|${frame.sourceId}`;
      // Decoded on arrival, alongside a running analysis (decoders work off the main thread), and in order:
      // a VP8 stream needs every chunk, also those of frames whose analysis is dropped.
      let image: RgbaImage;
      try {
        image = await receiver.pixels(frame, streamId);
      } catch (error) {
        if (error instanceof KeyFrameNeededError) return { status: 'key-frame-needed' };
        throw error;
      }
      const queuedAt = deps.nowMs();
      const decodeMs = queuedAt - received;
      const group = String(sender.tab?.id ?? 'ext');
      const result = await scheduler.submit({
        group,
        source: streamId,
        priority: 'frame',
        run: async () => {
          const stages: StageTrace = {};
          const start = deps.nowMs();
          const analyzed = await analyzeVideoFrame(frame, image, streamId, stages);
          const end = deps.nowMs();
          stats.record(end, end - start, { encodeMs: frame.encodeMs, wireMs, decodeMs });
          // What one frame costs the engine host: its analysis and its decoding (with many videos, VP8
          // decoding costs as much as the analysis).
          const cost = end - start + decodeMs;
          perFrameMs = perFrameMs === 0 ? cost : (1 - LATENCY_EMA) * perFrameMs + LATENCY_EMA * cost;
          return { ...analyzed, latencyMs: end - start, queueMs: start - queuedAt, stages };
        },
      });
      if (result === DROPPED) return { status: 'dropped' };
      return { status: 'analyzed', wireMs, decodeMs, ...result, nextFrameInMs: fairShareMs(streamId, group) };
    },
  };

  function currentStatus(): EngineStatus {
    const now = deps.nowMs();
    const status = lifecycle.status();
    // Loading is work in progress, not idleness.
    const idleMs = status.state === 'loading' ? 0 : now - lastUsedMs;
    return { ...status, stats: stats.snapshot(now, scheduler.dropped), idleMs };
  }

  return {
    handlers,
    status: currentStatus,
    clientGone(sender) {
      const prefix = `${clientKey(sender)}|`;
      const theirs = (streamId: string) => streamId.startsWith(prefix);
      scheduler.dropWhere((_group, source) => theirs(source));
      receiver.end(theirs);
      streams.end(theirs);
      forgetSources(theirs);
    },
    async unload() {
      receiver.clear();
      streams.clear();
      await lifecycle.unload();
    },
    async dispose() {
      receiver.clear();
      await lifecycle.dispose();
    },
  };
}
