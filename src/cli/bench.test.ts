import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../ml/engine-api.ts';
import { runBench } from './bench.ts';
import { captureIo, createFakeEngine, fakeHandle, tinyEmoOnnx } from './fake-engine.test-helper.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'affect-lens-bench-'));
  await writeFile(
    join(dir, 'face.png'),
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#f00' } })
      .png()
      .toBuffer(),
  );
  await writeFile(join(dir, 'emo.onnx'), tinyEmoOnnx());
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runBench', () => {
  it('times every stage the engine traces, per classifier and image', async () => {
    const fake = createFakeEngine();
    const engine: Engine = {
      ...fake,
      analyze: async (image, options, trace) => {
        if (trace !== undefined)
          Object.assign(trace, { preprocess: 1, detector: 2, nms: 0.5, crop: 0.25, classifier: 3 });
        return fake.analyze(image, options);
      },
    };
    const io = captureIo();
    const code = await runBench(
      [join(dir, 'face.png'), '--runs', '5', '--seconds', '0', '--warmup', '1', '--no-video'],
      io,
      fakeHandle(engine),
    );
    expect(code).toBe(0);
    const lines = io.stdout().trim().split('\n');
    expect(lines[2]).toMatch(
      /^classifier\s+image\s+size\s+faces\s+runs\s+decode\s+preprocess\s+detector\s+nms\s+crop\s+classifier\s+total\s+faces\/s\s+images\/s$/,
    );
    expect(lines.slice(3).map((l) => l.split(/\s{2,}/).slice(0, 5))).toEqual([
      ['fake-a', 'face.png', '64x64', '1', '5'],
      ['fake-b', 'face.png', '64x64', '1', '5'],
    ]);
    expect(lines[3]).toContain('3.00 / 3.00');
    // 1 warm-up + 5 runs per classifier.
    expect(fake.calls.filter((c) => c.method === 'analyze')).toHaveLength(12);
  });

  it('compares each image as a still and as video frames, for the first classifier', async () => {
    const fake = createFakeEngine();
    const io = captureIo();
    const args = [join(dir, 'face.png'), '--runs', '3', '--seconds', '0', '--warmup', '0', '--no-pipeline'];
    expect(await runBench([...args.slice(0, -1), '--json'], io, fakeHandle(fake))).toBe(0);
    const doc = JSON.parse(io.stdout()) as { videoMode: { image: string; runs: number }[] };
    expect(doc.videoMode.map((r) => [r.image.endsWith('face.png'), r.runs])).toEqual([[true, 3]]);
    // Pipeline rows: 3 runs per classifier; video rows, first classifier only: 3 stills + 3 video frames
    // (the fake answers a video frame through analyze).
    const byClassifier = new Map<string, number>();
    for (const c of fake.calls.filter((c) => c.method === 'analyze')) {
      const id = (c.options as { classifierId?: string } | undefined)?.classifierId ?? '?';
      byClassifier.set(id, (byClassifier.get(id) ?? 0) + 1);
    }
    expect(Object.fromEntries(byClassifier)).toEqual({ 'fake-a': 9, 'fake-b': 3 });
    const table = captureIo();
    await runBench(args.slice(0, -1), table, fakeHandle());
    expect(table.stdout()).toMatch(/video mode \(frames of a 30 fps video\) vs still, fake-a/);
    expect(table.stdout()).toMatch(
      /^face\.png\s+64x64\s+1\s+3\s+[\d.]+ \/ [\d.]+\s+[\d.]+ \/ [\d.]+\s+\d+\.\d\d$/m,
    );
    // --no-pipeline skips them, like the pipeline rows.
    const none = captureIo();
    await runBench(args, none, fakeHandle());
    expect(none.stdout()).not.toContain('video mode');
  });

  it('--json, one classifier', async () => {
    const io = captureIo();
    await runBench(
      [
        join(dir, 'face.png'),
        '--runs',
        '3',
        '--seconds',
        '0',
        '--warmup',
        '0',
        '--model',
        'fake-b',
        '--json',
      ],
      io,
      fakeHandle(),
    );
    const doc = JSON.parse(io.stdout()) as {
      rows: { classifierId: string; runs: number; stages: Record<string, unknown> }[];
    };
    expect(doc.rows.map((r) => [r.classifierId, r.runs])).toEqual([['fake-b', 3]]);
    expect(Object.keys(doc.rows[0]?.stages ?? {})).toEqual(['decode', 'total']);
  });

  it('without images and without the data folder: says so and exits 0', async () => {
    const io = captureIo();
    expect(await runBench(['--data', join(dir, 'no-data')], io, fakeHandle())).toBe(0);
    expect(io.stderr()).toMatch(/the built-in image set is missing .*no-data.*give images instead/);
    expect(io.stdout()).toBe('');
  });

  it.each([
    { argv: ['--runs', '0'], message: /--runs expects an integer from 1/ },
    { argv: ['--model', 'nope', 'x.png'], message: /no such file|no such classifier/ },
  ])('$argv fails', async ({ argv, message }) => {
    const io = captureIo();
    expect(await runBench(argv, io, fakeHandle())).toBeGreaterThan(0);
    expect(io.stderr()).toMatch(message);
  });

  it('--weights: EMO-AffectNet joins the classifiers and gets its own section', async () => {
    const io = captureIo();
    const fake = createFakeEngine();
    const code = await runBench(
      [
        join(dir, 'face.png'),
        '--runs',
        '1',
        '--seconds',
        '0',
        '--warmup',
        '0',
        '--weights',
        join(dir, 'emo.onnx'),
      ],
      io,
      fakeHandle(fake),
    );
    expect(code).toBe(0);
    const out = io.stdout();
    expect(out).toMatch(/^emo-affectnet\s+face\.png/m);
    expect(out).toMatch(/EMO-AffectNet \(ResNet-50\) from .*emo\.onnx \(0\.0 MB\): NOT the authors' weights/);
    expect(out).toMatch(/import \+ build float32 \d+\.\d\d s -> ONNX 0\.0 MB \(emo-affectnet\)/);
    expect(out).toContain('no fp16 build: it is built from a .pt, and an ONNX file was given');
    expect(io.stderr()).toContain('bench: this engine exposes no backend: no per-face batch rows');
  });

  it('--weights with a missing file: exit 1 before any measuring', async () => {
    const io = captureIo();
    const fake = createFakeEngine();
    expect(await runBench(['--no-pipeline', '--weights', join(dir, 'nope.pt')], io, fakeHandle(fake))).toBe(
      1,
    );
    expect(io.stderr()).toMatch(/bench: --weights .*nope\.pt: no such file/);
    expect(fake.calls).toEqual([]);
  });
});
