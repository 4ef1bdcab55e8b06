/**
 * The engine host's configuration and status as they cross contexts: what the popup shows and the background
 * decides on. Types, and the constants that fill them; no behaviour.
 */

export type Provider = 'webgpu' | 'wasm';

/** Which execution provider the engine uses (the user's setting). */
export type BackendPreference = 'auto' | 'webgpu' | 'wasm';

/** The part of the settings the engine host needs (it cannot read extension storage itself). */
export interface EngineConfig {
  classifierId: string | null;
  minScore: number;
  backend: BackendPreference;
  /** Settings.temporalSmoothing. */
  temporal: boolean;
  /**
   * Settings.wasmThreads: 0 lets the engine choose, else that many WebAssembly threads. A runtime's thread
   * count is fixed once it has started: a change applies to the next engine host (the background starts
   * one when the running one was started with another value, EngineStatus.wasmThreads.setting).
   */
  wasmThreads: number;
}

/** The WebAssembly threads of the runtime an engine host started. */
export interface WasmThreads {
  /** The Settings.wasmThreads value the runtime was started with (0: the engine's rule). */
  setting: number;
  /** Threads in use: 1 where the context cannot run threads (not cross-origin isolated, e.g. Firefox). */
  inUse: number;
}

export interface EngineStats {
  /** Analysed frames per second over the last few seconds, all sources together. */
  analyzedFps: number;
  /** Mean engine time per analysis (detector + classifier), ms, over the recent window. */
  latencyMs: number;
  /**
   * Mean cost of moving one frame from a content script into the engine, ms, over the recent window:
   * reading + encoding in the page, messaging, decoding in the engine host.
   */
  transportMs: number;
  /** The parts of transportMs. */
  transport: { encodeMs: number; wireMs: number; decodeMs: number };
  framesAnalyzed: number;
  /** Frames replaced by a newer frame of the same source before the engine got to them. */
  framesDropped: number;
}

export interface EngineStatus {
  /** 'absent': no engine host exists (nothing has asked for one yet). */
  state: 'absent' | 'loading' | 'ready' | 'error';
  /** 0..1 while loading. */
  progress: number;
  /** What is happening, for people: "Loading blazeface-short (1/3)". */
  detail: string;
  provider: Provider | null;
  /** Why the engine runs on wasm rather than WebGPU (or what went wrong with WebGPU); null when on WebGPU. */
  providerNote: string | null;
  /** The WebGPU adapter seen, e.g. "google swiftshader (software)"; null when none. */
  adapter: string | null;
  /** The WebAssembly runtime's threads; null until an engine has loaded. */
  wasmThreads: WasmThreads | null;
  error: string | null;
  classifiers: { id: string; description: string }[];
  /** The classifier in use. */
  classifierId: string | null;
  /**
   * Why a classifier the user installed or selected is not in use (missing or damaged stored model), for
   * people; null when there is nothing to say.
   */
  classifierNote: string | null;
  /** The temporal mode ("smoothed over 2 s", EMO-AffectNet's LSTM): see TemporalStatus. */
  temporal: TemporalStatus;
  stats: EngineStats;
  /**
   * How long nothing has asked the engine for work (a frame, an image, a configuration), ms: the background
   * unloads an engine idle for long (src/background/engine-idle.ts).
   */
  idleMs: number;
}

export interface TemporalStatus {
  /** A temporal model is installed and loadable with the classifier whose features it reads. */
  available: boolean;
  /** It runs on video frames now: available, switched on in the settings, and its classifier in use. */
  inUse: boolean;
  /** The classifier it reads the features of (e.g. "emo-affectnet"); null when none is installed. */
  featuresOf: string | null;
  /** Why it is not available or not in use, for people; null when there is nothing to say. */
  note: string | null;
}

export const EMPTY_STATS: Readonly<EngineStats> = Object.freeze({
  analyzedFps: 0,
  latencyMs: 0,
  transportMs: 0,
  transport: Object.freeze({ encodeMs: 0, wireMs: 0, decodeMs: 0 }),
  framesAnalyzed: 0,
  framesDropped: 0,
});

export function absentEngineStatus(): EngineStatus {
  return {
    state: 'absent',
    progress: 0,
    detail: 'Not started: it starts when something needs analysing.',
    provider: null,
    providerNote: null,
    adapter: null,
    wasmThreads: null,
    error: null,
    classifiers: [],
    classifierId: null,
    classifierNote: null,
    temporal: { available: false, inUse: false, featuresOf: null, note: null },
    stats: { ...EMPTY_STATS, transport: { ...EMPTY_STATS.transport } },
    idleMs: 0,
  };
}
