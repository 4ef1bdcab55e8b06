/**
 * End-to-end: `npm run analyze -- --weights <ResNet-50 .pt> --temporal <LSTM .pt> <clip>` with the test
 * checkpoints PyTorch wrote (./pytorch-fixtures.ts) on the shared clip that cuts from a face to no face
 * (../shared/data/video/pyfeat/face_noface_h264.mp4, 6.4 s): ffmpeg decoding at 5 fps, the real engine with
 * the ResNet-50's features, the LSTM per tracked face. The emotions are those of random weights: what is
 * checked is the wiring (frames, times, one track while the face stays, windows filling to 2 s).
 * Skipped, with a message, without python3-torch, ffmpeg or the shared clip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAnalyze } from '../../src/cli/analyze.ts';
import { captureIo } from '../../src/cli/fake-engine.test-helper.ts';
import {
  CACHE_DIR,
  ENABLE,
  HAVE_TORCH,
  LSTM_CACHE_DIR,
  SHARED_DATA,
  ensureFixtures,
  ensureLstmFixtures,
  log,
} from './pytorch-fixtures.ts';

const CLIP = path.join(SHARED_DATA, 'video/pyfeat/face_noface_h264.mp4');
const HAVE_FFMPEG = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const missing = [
  ...(HAVE_TORCH ? [] : [`python3-torch (${ENABLE})`]),
  ...(HAVE_FFMPEG ? [] : ['ffmpeg (apt-get install -y ffmpeg)']),
  ...(existsSync(CLIP) ? [] : [`the shared clip ${CLIP}`]),
];
if (missing.length > 0) {
  console.warn(`[emo-affectnet cli --temporal] SKIPPED: needs ${missing.join(', ')}`);
}

interface FrameRecord {
  timeMs: number;
  faces: { score: number; smoothed: { track: number; samples: number; fresh: boolean } | null }[];
}

describe.skipIf(missing.length > 0)('npm run analyze -- --weights <pt> --temporal <lstm.pt> <clip>', () => {
  let weights: string;
  let lstm: string;

  beforeAll(() => {
    ort.env.wasm.numThreads = 1;
    weights = path.join(CACHE_DIR, ensureFixtures().checkpoint);
    lstm = path.join(LSTM_CACHE_DIR, ensureLstmFixtures().checkpoint);
  }, 900_000);

  it('gives every frame at 5 fps, one track while the face stays, its window filling to 2 s', async () => {
    const io = captureIo();
    const started = performance.now();
    const code = await runAnalyze(['--weights', weights, '--temporal', lstm, '--json', CLIP], io);
    const seconds = (performance.now() - started) / 1000;
    expect(code, io.stderr()).toBe(0);
    const frames = io
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as FrameRecord);
    log(`analyze --temporal on ${path.basename(CLIP)}: ${frames.length} frames in ${seconds.toFixed(1)} s`);
    // 6.4 s at 5 fps.
    expect(frames.length).toBeGreaterThanOrEqual(31);
    expect(frames.length).toBeLessThanOrEqual(33);
    expect(frames.slice(0, 5).map((f) => f.timeMs)).toEqual([0, 200, 400, 600, 800]);
    // The face of the first 2 s: one track, one new sample per frame, the window full from the 10th frame.
    const first = frames.slice(0, 10).map((f) => f.faces[0]?.smoothed);
    expect(first.map((s) => s?.track)).toEqual(Array(10).fill(1));
    expect(first.map((s) => s?.samples)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(first.every((s) => s?.fresh)).toBe(true);
    // The cut to no face (2.4 s to 5.8 s in this clip): frames without faces.
    expect(
      frames.filter((f) => f.timeMs >= 3000 && f.timeMs <= 5000).every((f) => f.faces.length === 0),
    ).toBe(true);
    expect(io.stderr()).toMatch(/analyze: 1 of 1 stream\(s\) analysed/);
  }, 300_000);
});
