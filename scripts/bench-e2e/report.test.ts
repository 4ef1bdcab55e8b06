import { describe, expect, it } from 'vitest';
import type { ColdRun } from './cold-runs.ts';
import { coldStepMedians, traceMedians } from './report.ts';

const run = (shift: number, coldMs: number): ColdRun => ({
  coldMs,
  coldFromButtonMs: coldMs + 400,
  warmMs: 150,
  unloadedMs: 600,
  documentAtMs: -300 + shift,
  coldSteps: [
    { atMs: -200 + shift, state: 'loading', detail: 'Starting the engine' },
    { atMs: 100 + shift, state: 'loading', detail: 'Loading the wasm runtime and blazeface-short (1/2)' },
    { atMs: 100 + shift, state: 'loading', detail: 'Starting the engine' },
    { atMs: 900 + shift, state: 'ready', detail: 'Ready on WebAssembly' },
  ],
  trace: [
    { name: 'load engine', startMs: -20 + shift, endMs: 950 + shift },
    { name: 'session blazeface-short', startMs: 100 + shift, endMs: 800 + shift },
  ],
});

describe('cold start summaries', () => {
  const runs = [run(0, 1000), run(100, 1200), run(20, 1100)];

  it('gives each span its median start, end and duration, in start order, between the document and the box', () => {
    expect(traceMedians(runs)).toEqual([
      { name: 'offscreen document created', startMs: -280, endMs: -280, durationMs: 0 },
      { name: 'load engine', startMs: 0, endMs: 970, durationMs: 970 },
      { name: 'session blazeface-short', startMs: 120, endMs: 820, durationMs: 700 },
      { name: 'first box drawn', startMs: 1100, endMs: 1100, durationMs: 0 },
    ]);
  });

  it('takes the first sighting of each status step', () => {
    expect(coldStepMedians(runs)).toEqual([
      ['loading: Starting the engine', -180],
      ['loading: Loading the wasm runtime and blazeface-short (1/2)', 120],
      ['ready: Ready on WebAssembly', 920],
    ]);
  });
});
