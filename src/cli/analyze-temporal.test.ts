/**
 * The temporal mode of analyze over a fake engine (one face per frame, with features that carry the frame
 * number) and a fake temporal model (it answers "happiness" with the newest frame number / 100), so the
 * wiring is what is tested: frames in name order, per-face windows, lines and JSON.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceBackend, TensorData } from '../ml/backend.ts';
import type { Engine, Face } from '../ml/engine-api.ts';
import type { TemporalEntry } from '../ml/manifest.ts';
import { analyzeStreams } from './analyze-temporal.ts';
import { runAnalyze } from './analyze.ts';
import { captureIo, createFakeEngine, fakeHandle } from './fake-engine.test-helper.ts';

const ENTRY: TemporalEntry = {
  id: 'emo-affectnet-lstm',
  kind: 'temporal',
  file: 'lstm.onnx',
  sha256: '',
  bytes: 0,
  featuresOf: 'emo-affectnet',
  input: { name: 'sequence', shape: [1, 10, 2] },
  output: 'probabilities',
  outputIsProbability: true,
  window: 10,
  sampleFps: 5,
  sourceLabels: ['Neutral', 'Happiness', 'Sadness', 'Surprise', 'Fear', 'Disgust', 'Anger'],
  labels: ['neutral', 'happiness', 'sadness', 'surprise', 'fear', 'disgust', 'anger'],
  maxBatch: 8,
  source: { package: 'test', path: 'x', licence: 'MIT' },
  description: '',
};

/** The fake engine, with features [frame number (first pixel's green / 10), 0] on every face. */
function engineWithFeatures(): Engine {
  const engine = createFakeEngine();
  return {
    ...engine,
    async analyzeVideoFrame(image, frame, options): Promise<Face[]> {
      const faces = await engine.analyze(image, options);
      return faces.map((f) => ({ ...f, features: Float32Array.from([image.data[1]! / 10, 0]) }));
    },
  };
}

const lstm: InferenceBackend = {
  name: 'fake',
  run(_id: string, inputs: Record<string, TensorData>) {
    const input = inputs.sequence!;
    const n = input.dims[0]!;
    const data = new Float32Array(n * 7);
    for (let i = 0; i < n; i++) {
      const newest = input.data[i * 20 + 18]!;
      data.set([1 - newest / 100, newest / 100, 0, 0, 0, 0, 0], i * 7);
    }
    return Promise.resolve({ probabilities: { data, dims: [n, 7] } });
  },
};

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'affect-lens-temporal-'));
  await mkdir(join(dir, 'frames'));
  // Frames 1..12 named so that only a numeric sort puts them in order; green = 10 x frame number.
  for (let n = 1; n <= 12; n++) {
    const png = await sharp({
      create: { width: 64, height: 48, channels: 3, background: { r: 10, g: 10 * n, b: 0 } },
    })
      .png()
      .toBuffer();
    await writeFile(join(dir, 'frames', `frame-${n}.png`), png);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('analyzeStreams', () => {
  it('reads a frame folder in name order and prints the smoothed result of every face', async () => {
    const io = captureIo();
    const result = await analyzeStreams({
      engine: engineWithFeatures(),
      backend: lstm,
      temporal: ENTRY,
      paths: [join(dir, 'frames')],
      options: {},
      json: false,
      folderFps: 5,
      io,
    });
    expect(result).toEqual({ failed: 0, frames: 12, faces: 12 });
    const lines = io.stdout().trim().split('\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toMatch(
      /frames {2}t 0\.0 s {2}face 1\/1 .* neutral 0\.88 {2}#1 {2}smoothed over 0\.2 s so far: neutral 0\.99$/,
    );
    // Frame 10 (t 1.8 s) fills the 2 s window; frame 12 says happiness 0.12 after 0.88 neutral: the newest
    // feature (12) reached the model, in order.
    expect(lines[9]).toMatch(/t 1\.8 s .* smoothed over 2 s: neutral 0\.90$/);
    expect(lines[11]).toMatch(/t 2\.2 s .* #1 {2}smoothed over 2 s: neutral 0\.88$/);
  });

  it('--json gives one object per frame with the smoothed distribution', async () => {
    const io = captureIo();
    await analyzeStreams({
      engine: engineWithFeatures(),
      backend: lstm,
      temporal: ENTRY,
      paths: [join(dir, 'frames')],
      options: {},
      json: true,
      folderFps: 10,
      io,
    });
    const records = io
      .stdout()
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            timeMs: number;
            faces: { smoothed: { samples: number; emotions: Record<string, number> } }[];
          },
      );
    // At 10 fps only every other frame is a new 5 fps sample.
    expect(records.map((r) => r.timeMs)).toEqual([
      0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100,
    ]);
    expect(records.map((r) => r.faces[0]!.smoothed.samples)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    expect(records[11]!.faces[0]!.smoothed.emotions.happiness).toBeCloseTo(0.11, 4);
  });

  it('reports a path that is neither a video nor a folder and goes on', async () => {
    const io = captureIo();
    const result = await analyzeStreams({
      engine: engineWithFeatures(),
      backend: lstm,
      temporal: ENTRY,
      paths: [join(dir, 'frames', 'frame-1.png'), join(dir, 'frames')],
      options: {},
      json: false,
      folderFps: 5,
      io,
    });
    expect(result.failed).toBe(1);
    expect(io.stderr()).toMatch(
      /frame-1\.png: with --temporal, give videos \(\.mp4, \.webm, \.mkv, \.\.\.\) or folders of frames/,
    );
  });
});

describe('analyze --temporal: usage', () => {
  it.each([
    { argv: ['--temporal', 'l.pt', 'clip.mp4'], message: /--temporal reads the features .* give --weights/ },
    {
      argv: ['--weights', 'w.pt', '--temporal', 'l.pt', '--annotate', 'out', 'clip.mp4'],
      message: /--annotate is for images/,
    },
    { argv: ['--fps', '10', 'photos'], message: /--fps .* needs --temporal/ },
  ])('$argv -> exit 2', async ({ argv, message }) => {
    const io = captureIo();
    expect(await runAnalyze(argv, io, fakeHandle())).toBe(2);
    expect(io.stderr()).toMatch(message);
  });

  it('a temporal file that is not an LSTM ends with its message (exit 1)', async () => {
    const io = captureIo();
    await writeFile(join(dir, 'not-lstm.pt'), 'not a model');
    const weights = join(dir, 'emo.onnx');
    const { tinyEmoOnnx } = await import('./fake-engine.test-helper.ts');
    await writeFile(weights, tinyEmoOnnx());
    expect(
      await runAnalyze(['--weights', weights, '--temporal', join(dir, 'not-lstm.pt'), dir], io, fakeHandle()),
    ).toBe(1);
    expect(io.stderr()).toMatch(/--temporal .*not-lstm\.pt: The file is neither a PyTorch checkpoint/);
  });
});
