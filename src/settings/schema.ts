/**
 * The user's settings: one plain object with documented defaults, validated whenever it crosses a boundary
 * (storage, popup form). Invalid stored values are replaced by their default, each with a reason.
 */
import type { BackendPreference, EngineConfig } from '../protocol/engine-status.ts';
import { FRAME_ENCODINGS, type FrameEncoding } from '../protocol/frames.ts';

export interface Settings {
  /** Manifest id of the emotion classifier; null lets the engine use its default. */
  classifierId: string | null;
  /** Detection threshold, 0.3..0.95 (MediaPipe's min_detection_confidence default is 0.5). */
  minScore: number;
  /**
   * How much of the previous estimate survives each new frame, 0 (none: raw per-frame results) to 0.95.
   * Applied to boxes and probabilities of each tracked face.
   */
  smoothing: number;
  /**
   * How long the shown emotion may trail before the label shows the leader, ms, 0..1000 (a lead of 0.25
   * switches at once). 300 chosen by `npm run measure:hysteresis` (README): fewer changes within a steady shot for at
   * most 0.1 s more lag after a real change. 0 shows the leader of every frame.
   */
  labelSwitchMs: number;
  /** Show bars for all 7 emotions instead of the top one only. */
  showAllProbabilities: boolean;
  /**
   * "Smoothed over 2 s": on videos, run the installed temporal model (EMO-AffectNet's LSTM over the last 10
   * ResNet-50 features at 5 fps) and show its emotion. Only where one is installed and EMO-AffectNet is the
   * classifier in use (EngineStatus.temporal); off by default.
   */
  temporalSmoothing: boolean;
  /** Upper bound on analysed frames per second per video, 1..30; the engine's own speed is the other bound. */
  maxFps: number;
  /**
   * 'auto': WebGPU on a hardware adapter, else wasm (a software WebGPU adapter such as SwiftShader is far
   * slower than wasm); 'webgpu': WebGPU on any adapter, wasm if none; 'wasm': never WebGPU.
   */
  backend: BackendPreference;
  /**
   * How video frames travel to the engine (src/protocol/frames.ts FrameEncoding). Not in the popup: a
   * knob for measuring the transport (tests/e2e, src/transport/README.md).
   */
  frameEncoding: FrameEncoding;
  /**
   * WebAssembly threads of the engine, 0..4; 0 lets the engine choose (half the cores, at most 4: 1 on a
   * 2-core machine, README "Threads"). Not in the popup: a knob for measuring (npm run bench:e2e). Applies
   * to the next engine start (the background restarts a running engine when it changes).
   */
  wasmThreads: number;
}

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  classifierId: null,
  minScore: 0.5,
  smoothing: 0.6,
  labelSwitchMs: 300,
  showAllProbabilities: false,
  temporalSmoothing: false,
  maxFps: 15,
  backend: 'auto',
  frameEncoding: 'vp8',
  wasmThreads: 0,
});

export const SETTING_LIMITS = {
  minScore: { min: 0.3, max: 0.95, step: 0.05 },
  smoothing: { min: 0, max: 0.95, step: 0.05 },
  labelSwitchMs: { min: 0, max: 1000, step: 50 },
  maxFps: { min: 1, max: 30, step: 1 },
  wasmThreads: { min: 0, max: 4, step: 1 },
} as const;

const BACKENDS: readonly BackendPreference[] = ['auto', 'webgpu', 'wasm'];

export interface ValidatedSettings {
  settings: Settings;
  /** One line per field that was replaced by its default, saying what was expected. */
  problems: string[];
}

function numberIn(
  raw: Record<string, unknown>,
  key: keyof typeof SETTING_LIMITS,
  problems: string[],
): number | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  const { min, max } = SETTING_LIMITS[key];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    problems.push(`${key}: expected a number in ${min}..${max}, got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value;
}

/** Fills defaults for missing fields and replaces invalid ones; never throws on user data. */
export function validateSettings(raw: unknown): ValidatedSettings {
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { settings: { ...DEFAULT_SETTINGS }, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { settings: { ...DEFAULT_SETTINGS }, problems: [`expected a settings object, got ${typeof raw}`] };
  }
  const r = raw as Record<string, unknown>;
  const settings: Settings = { ...DEFAULT_SETTINGS };

  if (r.classifierId !== undefined) {
    if (r.classifierId === null || (typeof r.classifierId === 'string' && r.classifierId !== '')) {
      settings.classifierId = r.classifierId;
    } else {
      problems.push(`classifierId: expected a model id or null, got ${JSON.stringify(r.classifierId)}`);
    }
  }
  settings.minScore = numberIn(r, 'minScore', problems) ?? settings.minScore;
  settings.smoothing = numberIn(r, 'smoothing', problems) ?? settings.smoothing;
  settings.labelSwitchMs = numberIn(r, 'labelSwitchMs', problems) ?? settings.labelSwitchMs;
  const maxFps = numberIn(r, 'maxFps', problems);
  if (maxFps !== undefined) settings.maxFps = Math.round(maxFps);
  const wasmThreads = numberIn(r, 'wasmThreads', problems);
  if (wasmThreads !== undefined) settings.wasmThreads = Math.round(wasmThreads);
  if (r.showAllProbabilities !== undefined) {
    if (typeof r.showAllProbabilities === 'boolean') settings.showAllProbabilities = r.showAllProbabilities;
    else problems.push(`showAllProbabilities: expected true or false`);
  }
  if (r.temporalSmoothing !== undefined) {
    if (typeof r.temporalSmoothing === 'boolean') settings.temporalSmoothing = r.temporalSmoothing;
    else
      problems.push(`temporalSmoothing: expected true or false, got ${JSON.stringify(r.temporalSmoothing)}`);
  }
  if (r.backend !== undefined) {
    if (BACKENDS.includes(r.backend as BackendPreference)) settings.backend = r.backend as BackendPreference;
    else problems.push(`backend: expected one of ${BACKENDS.join(', ')}, got ${JSON.stringify(r.backend)}`);
  }
  if (r.frameEncoding !== undefined) {
    if (FRAME_ENCODINGS.includes(r.frameEncoding as FrameEncoding))
      settings.frameEncoding = r.frameEncoding as FrameEncoding;
    else
      problems.push(
        `frameEncoding: expected one of ${FRAME_ENCODINGS.join(', ')}, got ${JSON.stringify(r.frameEncoding)}`,
      );
  }
  return { settings, problems };
}

export function engineConfigOf(settings: Settings): EngineConfig {
  return {
    classifierId: settings.classifierId,
    minScore: settings.minScore,
    backend: settings.backend,
    temporal: settings.temporalSmoothing,
    wasmThreads: settings.wasmThreads,
  };
}
