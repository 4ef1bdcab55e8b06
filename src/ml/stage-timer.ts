/**
 * Per-stage timing for engine-api.ts StageTrace: milliseconds summed per stage over a call (a frame with
 * three faces adds three crop and three classifier intervals). The clock is injected (`now`), so the
 * pipeline stays free of browser and Node APIs and tests can drive time.
 */
import type { Stage, StageTrace } from './engine-api.ts';

export interface StageTimer {
  now(): number;
  /** Adds now() - since to the stage (no-op without a trace). */
  add(stage: Stage, since: number): void;
}

export function createStageTimer(now: () => number, trace?: StageTrace): StageTimer {
  return {
    now,
    add(stage, since) {
      if (trace) trace[stage] = (trace[stage] ?? 0) + (now() - since);
    },
  };
}

/** The default clock: performance.now() where the host has it, else Date.now(). */
export function defaultNow(): () => number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf ? () => perf.now() : () => Date.now();
}
