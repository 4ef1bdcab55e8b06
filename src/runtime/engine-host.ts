/**
 * The engine host: one engine for every tab. Loads it on first need (or configuration), reports its status,
 * and serves still images (user requests, first) and video frames (fair over tabs and sources, at most one
 * waiting frame per source) through the FairScheduler. Runs in the offscreen document in Chrome and in the
 * background page in Firefox; the loader and the image decoder are injected, so tests use fakes.
 * The temporal mode ("smoothed over 2 s"): one TemporalSmoother per video stream, created on the stream's
 * first frame in that mode, run when the setting is on and the classifier in use is the one the installed
 * temporal model reads; faces leave without their feature vectors, with `smoothed` when there is a result.
 */
import type { Face, StageTrace } from '../ml/engine-api.ts';
import { frameSideFor } from '../ml/frame-side.ts';
import { scaleFaces } from '../ml/scale-faces.ts';
import type { SmoothedFace, TemporalSmoother } from '../ml/temporal-smoother.ts';
import type { RgbaImage } from '../ml/types.ts';
import type { HandlersFor, MessageSender } from '../protocol/protocol-map.ts';
import {
  absentEngineStatus,
  type EngineStatus,
  type TemporalStatus,
  type EngineConfig,
} from '../protocol/engine-status.ts';
import type { FrameAnalysis, FrameFace, FrameRequest } from '../protocol/frames.ts';
import type { ImageAnalysis } from '../protocol/overlay.ts';
import { DEFAULT_SETTINGS, engineConfigOf } from '../settings/schema.ts';
import type { DecodedImage } from './decode-image.ts';
import type { LoadedEngine, LoadOptions } from './engine-loader.ts';
import { DROPPED, FairScheduler } from './fair-scheduler.ts';
import { RollingStats } from './rolling-stats.ts';
import { KeyFrameNeededError, type VideoStreamDecoders } from './vp8-decoders.ts';

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
}

export interface EngineHost {
  readonly handlers: HandlersFor<'engine'>;
  status: () => EngineStatus;
  /** A frames-port client went away: its waiting frames are dropped. */
  clientGone: (sender: MessageSender) => void;
  /** Frees the engine (idle for long): the status is 'absent' again and the next request loads it afresh. */
  unload: () => Promise<void>;
  dispose: () => Promise<void>;
}

/** The frame's pixels, decoded if needed; throws saying what was expected when the frame is malformed. */
async function framePixels(
  frame: FrameRequest,
  streamId: string,
  deps: Pick<EngineHostDeps, 'decodeFrame' | 'videoDecoders'>,
): Promise<RgbaImage> {
  const { width, height } = frame;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`analyseFrame: width and height must be positive integers, got ${width}x${height}`);
  }
  const hint =
    'Without the manifest key "message_serialization": "structured_clone" binary data arrives as plain objects.';
  if (frame.encoding === 'jpeg') {
    if (!(frame.bytes instanceof ArrayBuffer)) {
      throw new Error(
        `analyseFrame: expected the JPEG as an ArrayBuffer, got ${Object.prototype.toString.call(frame.bytes)}. ${hint}`,
      );
    }
    const image = await deps.decodeFrame(frame.bytes);
    if (image.width !== width || image.height !== height) {
      throw new Error(
        `analyseFrame: the JPEG is ${image.width}x${image.height}, the request says ${width}x${height}`,
      );
    }
    return image;
  }
  if (frame.encoding === 'rgba') {
    const { pixels } = frame;
    if (!(pixels instanceof Uint8ClampedArray) || pixels.length !== width * height * 4) {
      const got =
        pixels instanceof Uint8ClampedArray
          ? `${pixels.length} bytes`
          : Object.prototype.toString.call(pixels);
      throw new Error(
        `analyseFrame: expected ${width * height * 4} bytes of RGBA (${width}x${height}x4) as a Uint8ClampedArray, got ${got}. ${hint}`,
      );
    }
    return { width, height, data: pixels };
  }
  if (frame.encoding === 'vp8') {
    if (!(frame.chunk instanceof ArrayBuffer)) {
      throw new Error(
        `analyseFrame: expected the VP8 chunk as an ArrayBuffer, got ${Object.prototype.toString.call(frame.chunk)}. ${hint}`,
      );
    }
    return deps.videoDecoders.decode(streamId, frame, width, height);
  }
  throw new Error(
    `analyseFrame: unknown encoding ${JSON.stringify((frame as { encoding: unknown }).encoding)}; expected 'vp8', 'jpeg' or 'rgba'`,
  );
}

/** Streams with a smoother kept at most (the engine's own stream state has a similar bound). */
const MAX_SMOOTHED_STREAMS = 32;

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
  let config: EngineConfig = engineConfigOf(DEFAULT_SETTINGS);
  let status: EngineStatus = absentEngineStatus();
  let loading: Promise<LoadedEngine> | null = null;
  let loadedWith: EngineConfig['backend'] | null = null;
  const scheduler = new FairScheduler();
  const stats = new RollingStats();
  let lastUsedMs = deps.nowMs();
  const used = () => {
    lastUsedMs = deps.nowMs();
  };

  const classifierIdFor = (loaded: LoadedEngine): string => {
    const wanted = config.classifierId;
    const known = loaded.manifest.models.some((m) => m.kind === 'classifier' && m.id === wanted);
    return wanted !== null && known ? wanted : loaded.engine.defaults.classifierId;
  };

  /** Why the classifier the user installed or chose is not the one in use; null when it is. */
  const classifierNoteFor = (loaded: LoadedEngine): string | null => {
    const notes = [...loaded.modelNotes];
    const wanted = config.classifierId;
    const inUse = classifierIdFor(loaded);
    if (wanted !== null && wanted !== inUse) {
      notes.push(`The selected classifier "${wanted}" is not available; using "${inUse}" instead.`);
    }
    return notes.length > 0 ? notes.join(' ') : null;
  };

  /** One smoother per video stream (by stream id), in the temporal mode. */
  const smoothers = new Map<string, TemporalSmoother>();
  /** Why the temporal model stopped (a failed run) until the engine reloads; null while it works. */
  let temporalFailure: string | null = null;

  const temporalInUse = (loaded: LoadedEngine): boolean =>
    loaded.temporal !== null &&
    temporalFailure === null &&
    config.temporal &&
    classifierIdFor(loaded) === loaded.temporal.featuresOf;

  const temporalStatusFor = (loaded: LoadedEngine): TemporalStatus => {
    const t = loaded.temporal;
    if (!t) return { available: false, inUse: false, featuresOf: null, note: loaded.temporalNote };
    if (temporalFailure !== null) {
      return { available: false, inUse: false, featuresOf: t.featuresOf, note: temporalFailure };
    }
    const inUse = temporalInUse(loaded);
    return {
      available: true,
      inUse,
      featuresOf: t.featuresOf,
      note:
        config.temporal && !inUse
          ? `"Smoothed over 2 s" needs "${t.featuresOf}" as the classifier; showing per-frame results.`
          : null,
    };
  };

  const describeLoaded = (loaded: LoadedEngine): void => {
    status = {
      ...status,
      state: 'ready',
      progress: 1,
      detail: `Ready on ${loaded.provider === 'webgpu' ? 'WebGPU' : 'WebAssembly'}`,
      provider: loaded.provider,
      providerNote: loaded.providerNote,
      adapter: loaded.adapter,
      error: null,
      classifiers: loaded.manifest.models
        .filter((m) => m.kind === 'classifier')
        .map((m) => ({ id: m.id, description: m.description })),
      classifierId: classifierIdFor(loaded),
      classifierNote: classifierNoteFor(loaded),
      temporal: temporalStatusFor(loaded),
    };
  };

  let generation = 0;
  /** The loaded engine of the current generation, once ready. */
  let ready: LoadedEngine | null = null;

  const startLoading = (): Promise<LoadedEngine> => {
    const mine = ++generation;
    const isCurrent = () => mine === generation;
    loadedWith = config.backend;
    ready = null;
    smoothers.clear();
    temporalFailure = null;
    status = {
      ...absentEngineStatus(),
      state: 'loading',
      detail: 'Starting the engine',
      stats: status.stats,
    };
    const attempt = deps.load({
      preference: config.backend,
      classifierId: config.classifierId,
      onProgress: ({ fraction, detail }) => {
        if (isCurrent()) status = { ...status, progress: fraction, detail };
      },
      onFallback: () => {
        if (isCurrent() && ready) describeLoaded(ready);
      },
    });
    loading = attempt;
    attempt.then(
      (loaded) => {
        if (!isCurrent()) return;
        ready = loaded;
        describeLoaded(loaded);
      },
      (error: unknown) => {
        if (!isCurrent()) return;
        const message = error instanceof Error ? error.message : String(error);
        status = {
          ...status,
          state: 'error',
          error: message,
          detail: `The engine failed to load: ${message}`,
        };
        // Not cached: the next request retries (e.g. after the extension was rebuilt).
        loading = null;
        loadedWith = null;
      },
    );
    return attempt;
  };

  const engine = (): Promise<LoadedEngine> => loading ?? startLoading();

  /** Drops the current engine (disposed once loaded) so that the next load starts afresh. */
  const discard = (): void => {
    const old = loading;
    loading = null;
    generation++;
    if (old) void old.then((l) => l.dispose()).catch(() => undefined);
  };

  const analyse = (image: RgbaImage, loaded: LoadedEngine, trace?: StageTrace) =>
    loaded.engine.analyze(image, { minScore: config.minScore, classifierId: classifierIdFor(loaded) }, trace);

  /** Video streams seen, by `${clientKey}|${sourceId}`, so a client that goes away ends its streams. */
  const streams = new Set<string>();
  const analyseVideoFrame = async (
    image: RgbaImage,
    streamId: string,
    timestampMs: number,
    trace?: StageTrace,
  ) => {
    const loaded = await engine();
    const classifierId = classifierIdFor(loaded);
    streams.add(streamId);
    const faces = await loaded.engine.analyzeVideoFrame(
      image,
      { streamId, timestampMs },
      { minScore: config.minScore, classifierId },
      trace,
    );
    const smoothed = temporalInUse(loaded) ? await smooth(loaded, streamId, faces, timestampMs) : null;
    const { defaults } = loaded.engine;
    const nextFrameSide = frameSideFor({
      faces,
      width: image.width,
      height: image.height,
      classifierInputSide: loaded.engine.classifierInputSide(classifierId),
      cropMargin: loaded.engine.classifierCropMargin(classifierId),
      tiling: defaults.smallFaces === 'tiling' || defaults.smallFaces === 'full-range+tiling',
    });
    return { faces: faces.map((face, i) => frameFaceOf(face, smoothed?.[i] ?? null)), nextFrameSide };
  };

  /** The temporal model's results for a frame's faces; null (per-frame results) when it fails. */
  const smooth = async (
    loaded: LoadedEngine,
    streamId: string,
    faces: Face[],
    timestampMs: number,
  ): Promise<(SmoothedFace | null)[] | null> => {
    let smoother = smoothers.get(streamId);
    if (!smoother) {
      smoother = loaded.createTemporalSmoother();
      smoothers.set(streamId, smoother);
      // Map order is insertion order: the oldest stream goes first.
      if (smoothers.size > MAX_SMOOTHED_STREAMS) smoothers.delete(smoothers.keys().next().value!);
    }
    try {
      return await smoother.update(faces, timestampMs);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      temporalFailure = `The temporal model failed (${message}); showing per-frame results.`;
      console.warn(`Affect Lens: ${temporalFailure}`);
      smoothers.clear();
      if (ready === loaded) describeLoaded(loaded);
      return null;
    }
  };

  const handlers: HandlersFor<'engine'> = {
    engineStatus: () => currentStatus(),

    engineConfigure(next) {
      used();
      const previousClassifier = ready ? classifierIdFor(ready) : null;
      // A user model not loaded yet is loaded (and checked) by a reload, as at start.
      const reload =
        (loadedWith !== null && loadedWith !== next.backend) ||
        (ready !== null && next.classifierId !== null && ready.unchecked.has(next.classifierId));
      // A window of features is only meaningful for one unbroken run of the mode with one classifier.
      if (!next.temporal || next.classifierId !== config.classifierId) smoothers.clear();
      config = { ...next };
      if (reload && loading) discard();
      // Loading starts now but is not awaited: requests wait for it, status reports its progress.
      if (!loading) void startLoading().catch(() => undefined);
      else if (ready) {
        describeLoaded(ready);
        const classifier = classifierIdFor(ready);
        if (classifier !== previousClassifier) void ready.warmClassifier(classifier).catch(() => undefined);
      }
      return currentStatus();
    },

    async engineAnalyseImage({ bytes, type }): Promise<ImageAnalysis> {
      used();
      const result = await scheduler.submit({
        group: 'user',
        source: 'image',
        priority: 'user',
        run: async () => {
          const decoded = await deps.decodeImage(bytes, type);
          const loaded = await engine();
          const start = deps.nowMs();
          const faces = await analyse(decoded.image, loaded);
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
      // Only a running engine reloads; one not started yet reads the models when it starts.
      if (loading) {
        discard();
        void startLoading().catch(() => undefined);
      }
      return currentStatus();
    },

    async engineClassifyCrop({ classifierId, width, height, pixels }) {
      used();
      if (!(pixels instanceof Uint8ClampedArray) || pixels.length !== width * height * 4) {
        throw new Error(
          `engineClassifyCrop: expected ${width}x${height}x4 bytes of RGBA as a Uint8ClampedArray`,
        );
      }
      const loaded = await engine();
      return loaded.engine.classifyCrop({ width, height, data: pixels }, classifierId);
    },

    async analyseFrame(frame, sender): Promise<FrameAnalysis> {
      used();
      const wireMs = deps.epochMs() - frame.sentAtEpochMs;
      const received = deps.nowMs();
      const streamId = `${clientKey(sender)}|${frame.sourceId}`;
      // Decoded on arrival, alongside a running analysis (decoders work off the main thread), and in order:
      // a VP8 stream needs every chunk, also those of frames whose analysis is dropped.
      let image: RgbaImage;
      try {
        image = await framePixels(frame, streamId, deps);
      } catch (error) {
        if (error instanceof KeyFrameNeededError) return { status: 'key-frame-needed' };
        throw error;
      }
      const queuedAt = deps.nowMs();
      const decodeMs = queuedAt - received;
      const result = await scheduler.submit({
        group: String(sender.tab?.id ?? 'ext'),
        source: streamId,
        priority: 'frame',
        run: async () => {
          const stages: StageTrace = {};
          const start = deps.nowMs();
          // The stream's clock is the sender's send time: frames of one source are sent in order.
          const analysed = await analyseVideoFrame(image, streamId, frame.sentAtEpochMs, stages);
          const end = deps.nowMs();
          stats.record(end, end - start, { encodeMs: frame.encodeMs, wireMs, decodeMs });
          return { ...analysed, latencyMs: end - start, queueMs: start - queuedAt, stages };
        },
      });
      if (result === DROPPED) return { status: 'dropped' };
      return { status: 'analysed', wireMs, decodeMs, ...result };
    },
  };

  function currentStatus(): EngineStatus {
    const now = deps.nowMs();
    // Loading is work in progress, not idleness.
    const idleMs = status.state === 'loading' ? 0 : now - lastUsedMs;
    return { ...status, stats: stats.snapshot(now, scheduler.dropped), idleMs };
  }

  const dropEngine = async (): Promise<void> => {
    const current = loading;
    loading = null;
    loadedWith = null;
    ready = null;
    generation++;
    if (current) await (await current.catch(() => null))?.dispose();
  };

  return {
    handlers,
    status: currentStatus,
    clientGone(sender) {
      const prefix = `${clientKey(sender)}|`;
      scheduler.dropWhere((_group, source) => source.startsWith(prefix));
      deps.videoDecoders.end((streamId) => streamId.startsWith(prefix));
      for (const streamId of streams) {
        if (!streamId.startsWith(prefix)) continue;
        streams.delete(streamId);
        smoothers.delete(streamId);
        ready?.engine.endStream(streamId);
      }
    },
    async unload() {
      deps.videoDecoders.clear();
      streams.clear();
      smoothers.clear();
      status = absentEngineStatus();
      await dropEngine();
    },
    async dispose() {
      deps.videoDecoders.clear();
      await dropEngine();
    },
  };
}
