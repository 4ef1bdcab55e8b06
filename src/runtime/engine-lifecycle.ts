/**
 * The engine host's engine, from absent to ready and back: loads it on first need (or configuration), on
 * the provider the configuration asks for, reloads when the backend preference or the user's models change,
 * and describes it in the status the popup shows (loading progress, provider, classifiers, the temporal
 * mode). A load that fails is not cached: the next request retries. The loader is injected.
 */
import {
  absentEngineStatus,
  type EngineConfig,
  type EngineStatus,
  type TemporalStatus,
} from '../protocol/engine-status.ts';
import { DEFAULT_SETTINGS, engineConfigOf } from '../settings/schema.ts';
import type { LoadedEngine, LoadOptions } from './engine-loader.ts';

export interface EngineLifecycle {
  readonly config: EngineConfig;
  /** The engine, loading it if needed (requests wait for the load). */
  engine(): Promise<LoadedEngine>;
  /** The classifier in use: the configured one when the engine has it, else the engine's default. */
  classifierIdFor(loaded: LoadedEngine): string;
  /** The temporal model runs on video frames now (available, switched on, its classifier in use). */
  temporalInUse(loaded: LoadedEngine): boolean;
  /** The temporal model failed on `loaded`: it stays off until the engine reloads, and the status says why. */
  temporalFailed(loaded: LoadedEngine, message: string): void;
  /** Applies a configuration; returns whether the temporal windows must start afresh. */
  configure(next: EngineConfig): { resetTemporal: boolean };
  /** The user's models changed: a running engine reloads (one not started reads them when it starts). */
  modelsChanged(): void;
  /**
   * The engine stopped answering (the watchdog failed a run, or its fallback failed): it is dropped and a
   * fresh one loads, and the status says why while it does.
   */
  restart(reason: string): void;
  /** The status without the statistics (the host adds them). */
  status(): EngineStatus;
  /** Frees the engine; the status is 'absent' again. */
  unload(): Promise<void>;
  dispose(): Promise<void>;
}

export function createEngineLifecycle(
  load: (options: LoadOptions) => Promise<LoadedEngine>,
  /** Called when a new engine starts loading: state tied to the old one (video streams) must go. */
  onReload: () => void,
): EngineLifecycle {
  let config: EngineConfig = engineConfigOf(DEFAULT_SETTINGS);
  let status: EngineStatus = absentEngineStatus();
  let loading: Promise<LoadedEngine> | null = null;
  let loadedWith: EngineConfig['backend'] | null = null;
  let generation = 0;
  let current: LoadedEngine | null = null;
  /** Why the temporal model stopped (a failed run) until the engine reloads; null while it works. */
  let temporalFailure: string | null = null;

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

  const describe = (loaded: LoadedEngine): void => {
    status = {
      ...status,
      state: 'ready',
      progress: 1,
      detail: `Ready on ${loaded.provider === 'webgpu' ? 'WebGPU' : 'WebAssembly'}`,
      provider: loaded.provider,
      providerNote: loaded.providerNote,
      adapter: loaded.adapter,
      wasmThreads: loaded.wasmThreads,
      error: null,
      classifiers: loaded.manifest.models
        .filter((m) => m.kind === 'classifier')
        .map((m) => ({ id: m.id, description: m.description })),
      classifierId: classifierIdFor(loaded),
      classifierNote: classifierNoteFor(loaded),
      temporal: temporalStatusFor(loaded),
    };
  };

  const startLoading = (): Promise<LoadedEngine> => {
    const mine = ++generation;
    const isCurrent = () => mine === generation;
    loadedWith = config.backend;
    current = null;
    temporalFailure = null;
    onReload();
    status = {
      ...absentEngineStatus(),
      state: 'loading',
      detail: 'Starting the engine',
      stats: status.stats,
    };
    const attempt = load({
      preference: config.backend,
      classifierId: config.classifierId,
      wasmThreads: config.wasmThreads,
      onProgress: ({ fraction, detail }) => {
        if (isCurrent()) status = { ...status, progress: fraction, detail };
      },
      onFallback: () => {
        if (isCurrent() && current) describe(current);
      },
      onBroken: (reason) => {
        if (isCurrent()) restart(reason);
      },
    });
    loading = attempt;
    attempt.then(
      (loaded) => {
        if (!isCurrent()) return;
        current = loaded;
        describe(loaded);
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

  function restart(reason: string): void {
    console.warn(`Affect Lens: restarting the engine: ${reason}`);
    discard();
    void startLoading().catch(() => undefined);
    status = { ...status, detail: `Restarting the engine: ${reason}` };
  }

  /** Drops the current engine (disposed once loaded) so that the next load starts afresh. */
  const discard = (): void => {
    const old = loading;
    loading = null;
    generation++;
    if (old) void old.then((l) => l.dispose()).catch(() => undefined);
  };

  const drop = async (): Promise<void> => {
    const old = loading;
    loading = null;
    loadedWith = null;
    current = null;
    generation++;
    if (old) await (await old.catch(() => null))?.dispose();
  };

  return {
    get config() {
      return config;
    },
    engine: () => loading ?? startLoading(),
    classifierIdFor,
    temporalInUse,
    temporalFailed(loaded, message) {
      temporalFailure = message;
      if (current === loaded) describe(loaded);
    },
    configure(next) {
      const previousClassifier = current ? classifierIdFor(current) : null;
      // A user model not loaded yet is loaded (and checked) by a reload, as at start.
      const reload =
        (loadedWith !== null && loadedWith !== next.backend) ||
        (current !== null && next.classifierId !== null && current.unchecked.has(next.classifierId));
      // A window of features is only meaningful for one unbroken run of the mode with one classifier.
      const resetTemporal = !next.temporal || next.classifierId !== config.classifierId;
      config = { ...next };
      if (reload && loading) discard();
      // Loading starts now but is not awaited: requests wait for it, status reports its progress.
      if (!loading) void startLoading().catch(() => undefined);
      else if (current) {
        describe(current);
        const classifier = classifierIdFor(current);
        if (classifier !== previousClassifier) void current.warmClassifier(classifier).catch(() => undefined);
      }
      return { resetTemporal };
    },
    modelsChanged() {
      if (!loading) return;
      discard();
      void startLoading().catch(() => undefined);
    },
    restart,
    status: () => status,
    async unload() {
      status = absentEngineStatus();
      await drop();
    },
    dispose: drop,
  };
}
