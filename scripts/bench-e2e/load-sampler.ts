/**
 * The machine's 1-minute load average, sampled every few seconds and attributed to named phases, so every
 * figure can be printed beside the load it was measured under (these machines are shared and have 2 cores).
 */
import os from 'node:os';

export interface LoadSampler {
  /** From now until the next mark, samples belong to `name` ('idle' for gaps). */
  mark(name: string): void;
  /** Mean, min and max 1-minute load average during the phase (all its stretches together). */
  during(name: string): { mean: number; min: number; max: number } | null;
  stop(): void;
}

export function startLoadSampler(everyMs = 2000): LoadSampler {
  const samples: { phase: string; load: number }[] = [];
  let phase = 'idle';
  const sample = () => samples.push({ phase, load: os.loadavg()[0]! });
  const timer = setInterval(sample, everyMs);
  return {
    mark(name) {
      phase = name;
      sample();
    },
    during(name) {
      const loads = samples.filter((s) => s.phase === name).map((s) => s.load);
      if (loads.length === 0) return null;
      return {
        mean: loads.reduce((a, b) => a + b, 0) / loads.length,
        min: Math.min(...loads),
        max: Math.max(...loads),
      };
    },
    stop() {
      clearInterval(timer);
    },
  };
}
