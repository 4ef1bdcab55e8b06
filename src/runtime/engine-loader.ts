/**
 * Loads the engine once, on the best execution provider: WebGPU first (on a hardware adapter), wasm when
 * WebGPU is missing, fails to load a model, fails a run, or loses its device. The short-range detector and
 * the classifier in use are loaded and warmed up (first runs compile WebGPU shaders: seconds on a software
 * adapter) before the engine is handed out; the full-range detector follows in the background (video frames
 * go without its pass until it is ready, still images wait for it); another classifier is loaded and warmed
 * when it is selected.
 * The returned engine is a facade that survives the switch to wasm, so callers never hold a dead engine.
 * Models the user installed (`optionalModelIds`, e.g. EMO-AffectNet from the options page) are loaded up
 * front to check them, and one that fails to load is left out with a note instead of failing the engine:
 * the bundled models keep working and the settings fall back to the default classifier.
 * Runtime-neutral: the onnxruntime-web backend and the WebGPU probe are injected (extension-engine.ts).
 * Why one file of ~320 lines: the provider fallback (WebGPU -> wasm) and the loading order are one state
 * machine; the facade must see both to survive the switch.
 */
import type { Engine } from '../ml/engine-api.ts';
import { FULL_RANGE_DETECTOR_ID } from '../ml/engine.ts';
import type { InferenceBackend } from '../ml/backend.ts';
import type { Manifest, TemporalEntry } from '../ml/manifest.ts';
import { createTemporalSmoother, type TemporalSmoother } from '../ml/temporal-smoother.ts';
import type { RgbaImage } from '../ml/types.ts';
import type { Provider, BackendPreference, WasmThreads } from '../protocol/engine-status.ts';
import { traced } from './load-trace.ts';
import { chooseProvider } from './provider-choice.ts';
import { type GpuDeviceLike, type WebGpuProbe, watchDeviceLoss } from './webgpu-probe.ts';

export interface LoadableBackend extends InferenceBackend {
  load(modelId: string): Promise<void>;
  /** The GPUDevice of its WebGPU sessions (after the first one exists); undefined off WebGPU. */
  webGpuDevice?(): Promise<GpuDeviceLike | undefined>;
}

export interface EngineLoaderDeps {
  manifest: Manifest;
  createBackend: (providers: Provider[]) => Promise<LoadableBackend>;
  createEngine: (backend: InferenceBackend, manifest: Manifest) => Engine;
  probeWebGpu: () => Promise<WebGpuProbe>;
  /** Manifest models the user installed: left out (with a note) when they fail to load. */
  optionalModelIds?: ReadonlySet<string>;
  /** Notes about user models found before loading (e.g. the store could not be read). */
  modelNotes?: readonly string[];
  /**
   * The installed temporal model (EMO-AffectNet's LSTM), whose classifier's entry names its featuresOutput;
   * the backend must know it too (it is not a manifest model). Its session is created on first use.
   */
  temporal?: TemporalEntry | null;
  /** Why an installed temporal model cannot be used (e.g. its classifier has no features output). */
  temporalNote?: string | null;
  /** The WebAssembly threads of this context's runtime (EngineStatus.wasmThreads); null where unknown. */
  wasmThreads?: WasmThreads | null;
  /**
   * The models that load after the engine is handed out (the full-range detector) wait for its first
   * analysis to end, or this long if none comes, ms (default BACKGROUND_LOAD_DELAY_MS).
   */
  backgroundLoadDelayMs?: number;
}

/**
 * How long the background loads wait for the engine's first analysis, ms. Creating a session runs on the
 * page's one thread: measured in fresh browsers (`npm run bench:e2e`), the full-range detector's load
 * (~170 ms reading, ~150 ms session) ran right after the warm-up and held the first video frame behind it.
 */
export const BACKGROUND_LOAD_DELAY_MS = 2000;

export interface LoadProgress {
  /** 0..1 */
  fraction: number;
  detail: string;
}

export interface LoadedEngine {
  readonly engine: Engine;
  /** The models in use: the deps' manifest less the user models that failed to load. */
  readonly manifest: Manifest;
  /** Why an installed user model is not available, for people; empty when all are. */
  readonly modelNotes: readonly string[];
  readonly provider: Provider;
  /** Why not WebGPU (null on WebGPU). */
  readonly providerNote: string | null;
  readonly adapter: string | null;
  /** The WebAssembly threads of the runtime (EngineStatus.wasmThreads); null where unknown. */
  readonly wasmThreads: WasmThreads | null;
  /**
   * User models offered but not loaded yet (not in use when the engine loaded): picking one calls for a
   * reload, which loads and checks it.
   */
  readonly unchecked: ReadonlySet<string>;
  /** The temporal model the engine can run (its classifier gives Face.features), or null. */
  readonly temporal: TemporalEntry | null;
  /** Why an installed temporal model is not available, for people; null when it is or none is installed. */
  readonly temporalNote: string | null;
  /**
   * A smoother for one video stream (src/ml/temporal-smoother.ts), running `temporal` on this engine's
   * backend (after a switch to wasm, on the new one); throws when `temporal` is null.
   */
  createTemporalSmoother: () => TemporalSmoother;
  /** Runs a classifier once so its first real use is not slow (after the user picks it). */
  warmClassifier: (classifierId: string) => Promise<void>;
  dispose: () => Promise<void>;
}

export interface LoadOptions {
  preference: BackendPreference;
  /** The classifier to warm up with the detector; null: the engine's default. */
  classifierId: string | null;
  /** Settings.wasmThreads: 0 for the engine's rule, else that many (where the context allows threads). */
  wasmThreads: number;
  onProgress: (progress: LoadProgress) => void;
  /** Called after a switch from WebGPU to wasm at run time (device lost, failed run). */
  onFallback: (note: string) => void;
  /** Called when that switch failed: the engine cannot run, and should be loaded afresh. */
  onBroken?: (reason: string) => void;
}

/** A flat grey image: no face, so warm-up runs the detector (and its large-face retry) but no classifier. */
function greyImage(width: number, height: number): RgbaImage {
  return { width, height, data: new Uint8ClampedArray(width * height * 4).fill(128) };
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The models loaded before the engine is handed out: what the first result needs, i.e. the short-range
 * detector and the classifier in use (the one asked for, else the manifest's first, the engine's default).
 * The full-range detector (the small-face pass) is loaded right after, in the background (`background`).
 * The other classifiers get their session on first use: a session nobody uses only delays the first result
 * and holds memory, above all an installed EMO-AffectNet (a 98 MB ResNet-50; its engine load took
 * 2.5-12.7 s in the EMO E2E on a 2-core machine). A user model is checked when it is loaded: a picked one
 * that was not loaded yet is loaded by a reload of the engine (LoadedEngine.unchecked), so one that fails is
 * left out with a note.
 */
function plannedModels(
  deps: EngineLoaderDeps,
  classifierId: string | null,
): { eager: Manifest['models']; background: Manifest['models'] } {
  const { models } = deps.manifest;
  const classifiers = models.filter((m) => m.kind === 'classifier');
  const inUse = classifiers.find((m) => m.id === classifierId) ?? classifiers[0];
  const detectors = models.filter((m) => m.kind === 'detector');
  const background = detectors.filter((m) => m.id === FULL_RANGE_DETECTOR_ID && detectors.length > 1);
  return {
    eager: models.filter((m) => (m.kind === 'detector' && !background.includes(m)) || m === inUse),
    background,
  };
}

interface Built {
  backend: LoadableBackend;
  engine: Engine;
  manifest: Manifest;
  modelNotes: string[];
  /** User models in the manifest that were not loaded, hence not checked. */
  unchecked: ReadonlySet<string>;
  /** The models loading in the background after the engine was handed out (settles, never rejects). */
  rest: Promise<void>;
}

async function build(
  deps: EngineLoaderDeps,
  provider: Provider,
  onProgress: (progress: LoadProgress) => void,
  classifierId: string | null,
  /** Resolves when the background loads may start. */
  backgroundGate: Promise<void>,
): Promise<Built> {
  const backend = await traced(`backend ${provider}`, () => deps.createBackend([provider]));
  try {
    const models = deps.manifest.models;
    const { eager, background } = plannedModels(deps, classifierId);
    // Asked for together: the backend reads the files in parallel with the runtime starting.
    const loads = eager.map((model) => backend.load(model.id));
    for (const load of loads) load.catch(() => undefined); // awaited in order below
    const steps = eager.length + 1;
    const left: string[] = [];
    const modelNotes = [...(deps.modelNotes ?? [])];
    for (const [i, model] of eager.entries()) {
      // The first load also starts the runtime (fetching and compiling its WebAssembly): the longest step.
      const what = i === 0 ? `the ${provider} runtime and ${model.id}` : model.id;
      onProgress({ fraction: i / steps, detail: `Loading ${what} (${i + 1}/${eager.length})` });
      try {
        await loads[i];
      } catch (error) {
        if (!deps.optionalModelIds?.has(model.id)) throw error;
        left.push(model.id);
        const note = `The installed classifier "${model.id}" could not be loaded: ${errorText(error)}`;
        console.warn(`Affect Lens: ${note}`);
        modelNotes.push(note);
      }
    }
    const manifest =
      left.length === 0
        ? deps.manifest
        : { ...deps.manifest, models: models.filter((m) => !left.includes(m.id)) };
    const engine = deps.createEngine(backend, manifest);
    const known = (id: string | null) => id !== null && manifest.models.some((m) => m.id === id);
    onProgress({ fraction: eager.length / steps, detail: `Warming up on ${provider}` });
    // The short-range detector (and its large-face retry: the grey image has no face) and the classifier.
    await traced('warm-up detector', () => engine.detect(greyImage(160, 120), { smallFaces: 'off' }));
    await traced('warm-up classifier', () =>
      engine.classifyCrop(
        greyImage(64, 64),
        known(classifierId) ? classifierId! : engine.defaults.classifierId,
      ),
    );
    const unchecked = new Set(
      [...(deps.optionalModelIds ?? [])].filter((id) => !eager.some((m) => m.id === id)),
    );
    const rest = (async () => {
      if (background.length > 0) await backgroundGate;
      for (const model of background) {
        await backend.load(model.id);
        // On WebGPU the first run compiles the model's shaders: not on a video frame's time.
        if (provider === 'webgpu') await engine.detect(greyImage(160, 120), { smallFaces: 'full-range' });
      }
    })().catch((error: unknown) => {
      // Video frames go on without the small-face pass; a still image retries the load and says why.
      console.warn(`Affect Lens: loading ${background.map((m) => m.id).join(', ')} failed`, error);
    });
    return { backend, engine, manifest, modelNotes, unchecked, rest };
  } catch (error) {
    await backend.dispose?.().catch(() => undefined);
    throw error;
  }
}

export async function loadEngine(deps: EngineLoaderDeps, options: LoadOptions): Promise<LoadedEngine> {
  const probe = await deps.probeWebGpu();
  const choice = chooseProvider(options.preference, probe);
  let provider = choice.provider;
  let providerNote = choice.note;
  let warmed = options.classifierId;
  const adapter = probe.available ? `${probe.adapter}${probe.software ? ' (software)' : ''}` : null;

  // The background loads start after the first analysis ends (or BACKGROUND_LOAD_DELAY_MS without one).
  let analysed = false;
  let endFirstAnalysis = (): void => undefined;
  const firstAnalysis = new Promise<void>((resolve) => (endFirstAnalysis = resolve));
  const firstAnalysisEnded = () => {
    analysed = true;
    endFirstAnalysis();
  };
  const delayMs = deps.backgroundLoadDelayMs ?? BACKGROUND_LOAD_DELAY_MS;
  const backgroundGate = Promise.race([
    firstAnalysis,
    new Promise<void>((resolve) => {
      // Node (the CLI) must not stay up for this timer alone.
      (setTimeout(resolve, delayMs) as { unref?: () => void }).unref?.();
    }),
  ]);

  let current: Built;
  if (provider === 'webgpu') {
    try {
      current = await build(deps, 'webgpu', options.onProgress, warmed, backgroundGate);
    } catch (error) {
      provider = 'wasm';
      providerNote = `WebGPU failed to load the models (${errorText(error)}); using WebAssembly.`;
      console.warn(`Affect Lens: ${providerNote}`);
      current = await build(deps, 'wasm', options.onProgress, warmed, backgroundGate);
    }
  } else {
    current = await build(deps, 'wasm', options.onProgress, warmed, backgroundGate);
  }

  let switching: Promise<void> | null = null;
  /** Set when the fallback to wasm failed: this engine cannot run any more. */
  let broken: Error | null = null;
  let disposed = false;
  const fallBackToWasm = (note: string): Promise<void> => {
    if (provider === 'wasm' || disposed) return switching ?? Promise.resolve();
    provider = 'wasm';
    providerNote = note;
    console.warn(`Affect Lens: ${note}`);
    const old = current;
    switching = build(deps, 'wasm', () => undefined, warmed, Promise.resolve()).then(
      (next) => {
        current = next;
        switching = null;
        options.onFallback(note);
        void old.rest.then(() => old.backend.dispose?.()).catch(() => undefined);
      },
      (error: unknown) => {
        // Not kept rejected: every later call says what happened, and the host restarts the engine
        // (options.onBroken) instead of holding a dead one for good.
        switching = null;
        broken = new Error(`${note} Then WebAssembly failed to load too (${errorText(error)}).`);
        options.onBroken?.(broken.message);
        throw broken;
      },
    );
    return switching;
  };

  if (provider === 'webgpu') {
    const device = await current.backend.webGpuDevice?.().catch(() => undefined);
    if (device) {
      watchDeviceLoss(device, (message) => {
        // A failure here is reported through options.onBroken.
        fallBackToWasm(
          `The GPU device was lost (${message}); using WebAssembly. Reload the engine to retry WebGPU.`,
        ).catch(() => undefined);
      });
    }
  }

  /** Runs `call` on the current build; a WebGPU failure switches to wasm and retries once there. */
  const onCurrent = async <T>(call: (built: Built) => Promise<T>): Promise<T> => {
    if (switching) await switching;
    if (broken) throw broken;
    const usedProvider = provider;
    try {
      return await call(current);
    } catch (error) {
      if (usedProvider !== 'webgpu') throw error;
      await fallBackToWasm(`A WebGPU run failed (${errorText(error)}); using WebAssembly.`);
      return call(current);
    }
  };
  const withFallback = <T>(call: (engine: Engine) => Promise<T>): Promise<T> => {
    const running = onCurrent((built) => call(built.engine));
    if (!analysed) void running.then(firstAnalysisEnded, firstAnalysisEnded);
    return running;
  };
  const temporal = deps.temporal ?? null;
  /** The temporal model's runs, on whichever backend is current. */
  const temporalBackend: InferenceBackend = {
    get name() {
      return current.backend.name;
    },
    run: (modelId, inputs) => onCurrent((built) => built.backend.run(modelId, inputs)),
  };

  const engine: Engine = {
    get defaults() {
      return current.engine.defaults;
    },
    analyze: (image, opts, trace) => withFallback((e) => e.analyze(image, opts, trace)),
    // After a switch to wasm the new engine starts the stream afresh (its first frame runs every pass).
    analyzeVideoFrame: (image, frame, opts, trace) =>
      withFallback((e) => e.analyzeVideoFrame(image, frame, opts, trace)),
    endStream: (streamId) => current.engine.endStream(streamId),
    classifierInputSide: (id) => current.engine.classifierInputSide(id),
    classifierCropMargin: (id) => current.engine.classifierCropMargin(id),
    detect: (image, opts, trace) => withFallback((e) => e.detect(image, opts, trace)),
    classifyCrop: (image, id) => withFallback((e) => e.classifyCrop(image, id)),
  };

  return {
    engine,
    get manifest() {
      return current.manifest;
    },
    get modelNotes() {
      return current.modelNotes;
    },
    get unchecked() {
      return current.unchecked;
    },
    get provider() {
      return provider;
    },
    get providerNote() {
      return providerNote;
    },
    adapter,
    wasmThreads: deps.wasmThreads ?? null,
    temporal,
    temporalNote: deps.temporalNote ?? null,
    createTemporalSmoother() {
      if (!temporal) throw new Error('No temporal model is installed.');
      return createTemporalSmoother(temporalBackend, temporal);
    },
    async warmClassifier(classifierId) {
      warmed = classifierId;
      await withFallback((e) => e.classifyCrop(greyImage(64, 64), classifierId));
    },
    async dispose() {
      disposed = true;
      if (switching) await switching.catch(() => undefined);
      // A session still being created would outlive a dispose that did not wait for it.
      await current.rest;
      await current.backend.dispose?.();
    },
  };
}
