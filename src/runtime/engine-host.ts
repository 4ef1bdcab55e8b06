/**
 * The engine host: one engine for every tab. Loads it on first need (or configuration), reports its status,
 * and serves still images (user requests, first) and video frames (fair over tabs and sources, at most one
 * waiting frame per source) through the FairScheduler. Runs in the offscreen document in Chrome and in the
 * background page in Firefox; the loader and the image decoder are injected, so tests use fakes.
 */
import type { Face, StageTrace } from '../ml/engine-api.ts';
import type { RgbaImage } from '../ml/types.ts';
import type { HandlersFor, MessageSender } from '../messaging/messenger.ts';
import {
  absentEngineStatus,
  type EngineStatus,
  type FrameAnalysis,
  type FrameRequest,
  type ImageAnalysis,
} from '../messaging/protocol.ts';
import { DEFAULT_SETTINGS, engineConfigOf, type EngineConfig } from '../settings/schema.ts';
import type { DecodedImage } from './decode-image.ts';
import type { LoadedEngine, LoadOptions } from './engine-loader.ts';
import { DROPPED, FairScheduler } from './fair-scheduler.ts';
import { RollingStats } from './rolling-stats.ts';

export interface EngineHostDeps {
  load: (options: LoadOptions) => Promise<LoadedEngine>;
  decodeImage: (bytes: ArrayBuffer, type: string) => Promise<DecodedImage>;
  /** Decodes a JPEG-encoded video frame. */
  decodeFrame: (bytes: ArrayBuffer) => Promise<RgbaImage>;
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
  dispose: () => Promise<void>;
}

/** Boxes and keypoints from analysed-image pixels back to natural pixels. */
export function scaleFaces(faces: Face[], factor: number): Face[] {
  if (factor === 1) return faces;
  return faces.map((f) => ({
    ...f,
    box: {
      x: f.box.x * factor,
      y: f.box.y * factor,
      width: f.box.width * factor,
      height: f.box.height * factor,
    },
    keypoints: f.keypoints.map((k) => ({ x: k.x * factor, y: k.y * factor })),
  }));
}

/** The frame's pixels, decoded if needed; throws saying what was expected when the frame is malformed. */
async function framePixels(
  frame: FrameRequest,
  decodeFrame: EngineHostDeps['decodeFrame'],
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
    const image = await decodeFrame(frame.bytes);
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
  throw new Error(
    `analyseFrame: unknown encoding ${JSON.stringify((frame as { encoding: unknown }).encoding)}; expected 'jpeg' or 'rgba'`,
  );
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

  const classifierIdFor = (loaded: LoadedEngine): string => {
    const wanted = config.classifierId;
    const known = loaded.manifest.models.some((m) => m.kind === 'classifier' && m.id === wanted);
    return wanted !== null && known ? wanted : loaded.engine.defaults.classifierId;
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

  const analyse = (image: RgbaImage, loaded: LoadedEngine, trace?: StageTrace) =>
    loaded.engine.analyze(image, { minScore: config.minScore, classifierId: classifierIdFor(loaded) }, trace);

  const handlers: HandlersFor<'engine'> = {
    engineStatus: () => currentStatus(),

    engineConfigure(next) {
      const previousClassifier = ready ? classifierIdFor(ready) : null;
      const reload = loadedWith !== null && loadedWith !== next.backend;
      config = { ...next };
      if (reload && loading) {
        const old = loading;
        loading = null;
        generation++;
        void old.then((l) => l.dispose()).catch(() => undefined);
      }
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

    async analyseFrame(frame, sender): Promise<FrameAnalysis> {
      const wireMs = deps.epochMs() - frame.sentAtEpochMs;
      const received = deps.nowMs();
      // Decoded on arrival: createImageBitmap works off the main thread, alongside a running analysis.
      const image = await framePixels(frame, deps.decodeFrame);
      const queuedAt = deps.nowMs();
      const decodeMs = queuedAt - received;
      const result = await scheduler.submit({
        group: String(sender.tab?.id ?? 'ext'),
        source: `${clientKey(sender)}|${frame.sourceId}`,
        priority: 'frame',
        run: async () => {
          const loaded = await engine();
          const stages: StageTrace = {};
          const start = deps.nowMs();
          const faces = await analyse(image, loaded, stages);
          const end = deps.nowMs();
          stats.record(end, end - start, { encodeMs: frame.encodeMs, wireMs, decodeMs });
          return { faces, latencyMs: end - start, queueMs: start - queuedAt, stages };
        },
      });
      if (result === DROPPED) return { status: 'dropped' };
      return { status: 'analysed', wireMs, decodeMs, ...result };
    },
  };

  function currentStatus(): EngineStatus {
    return { ...status, stats: stats.snapshot(deps.nowMs(), scheduler.dropped) };
  }

  return {
    handlers,
    status: currentStatus,
    clientGone(sender) {
      const prefix = `${clientKey(sender)}|`;
      scheduler.dropWhere((_group, source) => source.startsWith(prefix));
    },
    async dispose() {
      const current = loading;
      loading = null;
      generation++;
      if (current) await (await current.catch(() => null))?.dispose();
    },
  };
}
