import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnalyze } from './analyze.ts';
import type { OpenEngineOptions } from './open-engine.ts';
import { captureIo, createFakeEngine, fakeHandle, tinyEmoOnnx } from './fake-engine.test-helper.ts';

let dir: string;

async function solidImage(
  width: number,
  height: number,
  red: number,
  format: 'png' | 'jpeg',
): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: { r: red, g: 40, b: 40 } } });
  return format === 'png' ? image.png().toBuffer() : image.jpeg().toBuffer();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'affect-lens-analyze-'));
  await mkdir(join(dir, 'photos', 'nested'), { recursive: true });
  await writeFile(join(dir, 'photos', 'a-happy.png'), await solidImage(64, 48, 250, 'png'));
  await writeFile(join(dir, 'photos', 'b-small.png'), await solidImage(16, 16, 250, 'png'));
  const jpeg = await solidImage(80, 60, 10, 'jpeg');
  await writeFile(join(dir, 'photos', 'nested', 'c-neutral.jpg'), jpeg);
  await writeFile(join(dir, 'photos', 'd-truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 2)));
  await writeFile(join(dir, 'photos', 'e-empty.png'), Buffer.alloc(0));
  await writeFile(join(dir, 'photos', 'f-text.png'), 'this is not a png\n');
  await writeFile(join(dir, 'photos', 'notes.txt'), 'skipped by the folder walk');
  await writeFile(join(dir, 'emo.onnx'), tinyEmoOnnx());
  await writeFile(join(dir, 'photos', '.hidden.png'), 'skipped: hidden');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('analyze: usage', () => {
  it.each([
    { argv: [], message: /give at least one image file or folder/ },
    { argv: ['--bogus', 'x.jpg'], message: /Unknown option '--bogus'.*\n.*--help/s },
    {
      argv: ['x.jpg', '--min-score', '1.5'],
      message: /--min-score expects a number from 0 to 0.999, got "1.5"/,
    },
    { argv: ['x.jpg', '--margin', '0,0.1'], message: /--margin takes one value here.*eval/ },
    {
      argv: ['x.jpg', '--small-faces', 'huge'],
      message: /--small-faces expects one of off, full-range, tiling, full-range\+tiling/,
    },
    { argv: ['x.jpg', '--large-faces', '--no-large-faces'], message: /contradict/ },
    { argv: ['x.jpg', '--annotate'], message: /--annotate/ },
  ])('$argv -> exit 2', async ({ argv, message }) => {
    const io = captureIo();
    expect(await runAnalyze(argv, io, fakeHandle())).toBe(2);
    expect(io.stderr()).toMatch(message);
    expect(io.stdout()).toBe('');
  });

  it('--model that is not a classifier in the manifest -> exit 2 listing the classifiers', async () => {
    const io = captureIo();
    const file = join(dir, 'photos', 'a-happy.png');
    expect(await runAnalyze([file, '--model', 'nope'], io, fakeHandle())).toBe(2);
    expect(io.stderr()).toMatch(/--model nope: no such classifier.*available: fake-a, fake-b/);
    expect(await runAnalyze([file, '--model', 'fake-detector'], io, fakeHandle())).toBe(2);
    expect(io.stderr()).toMatch(/is a detector/);
  });

  it('--help prints usage and every option, exit 0', async () => {
    const io = captureIo();
    expect(await runAnalyze(['--help'], io, fakeHandle())).toBe(0);
    for (const flag of [
      '--json',
      '--annotate <dir>',
      '--model <id>',
      '--min-score <x>',
      '--margin <x>',
      '--small-faces <mode>',
      '--no-large-faces',
    ]) {
      expect(io.stdout()).toContain(flag);
    }
  });
});

describe('analyze: files', () => {
  it('walks folders, prints a line per face or "no face", reports bad files and goes on (exit 1)', async () => {
    const io = captureIo();
    const engine = createFakeEngine();
    const code = await runAnalyze([join(dir, 'photos')], io, fakeHandle(engine));
    expect(code).toBe(1);
    const lines = io.stdout().trim().split('\n');
    expect(lines).toEqual([
      `${join(dir, 'photos', 'a-happy.png')}  face 1/1  box 16,12,32,24  score 0.90  happiness 0.88`,
      `${join(dir, 'photos', 'b-small.png')}  no face`,
      `${join(dir, 'photos', 'nested', 'c-neutral.jpg')}  face 1/1  box 20,15,40,30  score 0.90  neutral 0.88`,
    ]);
    const err = io.stderr();
    expect(err).toMatch(/d-truncated\.jpg: corrupt or truncated image/);
    expect(err).toMatch(/e-empty\.png: file is empty \(0 bytes\)/);
    expect(err).toMatch(/f-text\.png: not an image \(expected JPEG, PNG/);
    expect(err).not.toMatch(/notes\.txt|hidden/);
    expect(err).toMatch(/3 of 6 input\(s\) analysed, 2 face\(s\), 3 failed/);
    expect(engine.calls.filter((c) => c.method === 'analyze')).toHaveLength(3);
  });

  it('all good files -> exit 0; passes the engine options through', async () => {
    const io = captureIo();
    const engine = createFakeEngine();
    const file = join(dir, 'photos', 'a-happy.png');
    const code = await runAnalyze(
      [
        file,
        '--model',
        'fake-b',
        '--margin',
        '0.2',
        '--min-score',
        '0.6',
        '--small-faces',
        'tiling',
        '--no-large-faces',
      ],
      io,
      fakeHandle(engine),
    );
    expect(code).toBe(0);
    expect(engine.calls[0]?.options).toEqual({
      classifierId: 'fake-b',
      cropMargin: 0.2,
      minScore: 0.6,
      smallFaces: 'tiling',
      largeFaces: false,
    });
  });

  it('a missing path and an engine failure are per-file errors', async () => {
    const io = captureIo();
    const engine = createFakeEngine({ throwOnWidth: 80 });
    const code = await runAnalyze(
      [join(dir, 'missing.jpg'), join(dir, 'photos', 'nested'), join(dir, 'photos', 'a-happy.png')],
      io,
      fakeHandle(engine),
    );
    expect(code).toBe(1);
    expect(io.stderr()).toMatch(/missing\.jpg: no such file/);
    expect(io.stderr()).toMatch(/c-neutral\.jpg: fake inference failure/);
    expect(io.stdout()).toMatch(/a-happy\.png {2}face 1\/1/);
    // The missing path counts among the inputs: 3 inputs (missing, nested's image, a-happy), 1 analysed.
    expect(io.stderr()).toMatch(/analyze: 1 of 3 input\(s\) analysed, 1 face\(s\), 2 failed/);
  });

  it('an empty folder -> exit 1 with a message', async () => {
    const empty = join(dir, 'empty-folder');
    await mkdir(empty, { recursive: true });
    const io = captureIo();
    expect(await runAnalyze([empty], io, fakeHandle())).toBe(1);
    expect(io.stderr()).toMatch(/no images found in/);
  });

  it('an engine that cannot load -> exit 1 with the reason', async () => {
    const io = captureIo();
    const code = await runAnalyze([join(dir, 'photos', 'a-happy.png')], io, () =>
      Promise.reject(new Error('No model manifest at models/manifest.json')),
    );
    expect(code).toBe(1);
    expect(io.stderr()).toMatch(/cannot load the engine: No model manifest/);
  });

  it('--json prints one object per image with all 7 probabilities, and errors as objects', async () => {
    const io = captureIo();
    await runAnalyze([join(dir, 'photos'), '--json'], io, fakeHandle());
    const records = io
      .stdout()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(6);
    const first = records[0] as {
      file: string;
      width: number;
      faces: { emotions: Record<string, number>; box: unknown; keypoints: unknown[] }[];
    };
    expect(first.width).toBe(64);
    expect(Object.keys(first.faces[0]?.emotions ?? {})).toEqual([
      'neutral',
      'happiness',
      'sadness',
      'surprise',
      'fear',
      'disgust',
      'anger',
    ]);
    expect(first.faces[0]?.box).toEqual({ x: 16, y: 12, width: 32, height: 24 });
    expect(first.faces[0]?.keypoints).toHaveLength(6);
    expect(records.filter((r) => typeof r.error === 'string')).toHaveLength(3);
  });

  it('--annotate writes one PNG per analysed image, mirroring sub-folders', async () => {
    const out = join(dir, 'annotated');
    const io = captureIo();
    await runAnalyze([join(dir, 'photos'), '--annotate', out], io, fakeHandle());
    expect((await readdir(out)).sort()).toEqual(['a-happy.png', 'b-small.png', 'nested']);
    const meta = await sharp(join(out, 'nested', 'c-neutral.png')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 80, 60]);
  });
});

describe('analyze --weights (EMO-AffectNet, not bundled)', () => {
  it.each([
    {
      argv: ['x.jpg', '--model', 'emo-affectnet'],
      message:
        /--model emo-affectnet needs --weights <file\.pt\|file\.onnx>\. The weights are not bundled: download FER_static_ResNet50_AffectNet\.pt/,
    },
    {
      argv: ['x.jpg', '--model', 'fake-a', '--weights', 'w.pt'],
      message: /--weights is for --model emo-affectnet, but --model names only fake-a/,
    },
    { argv: ['x.jpg', '--weights'], message: /--weights/ },
  ])('$argv -> exit 2', async ({ argv, message }) => {
    const io = captureIo();
    expect(await runAnalyze(argv, io, fakeHandle())).toBe(2);
    expect(io.stderr()).toMatch(message);
  });

  it('a weights file that cannot be used -> exit 1 with the reason, and no engine is opened', async () => {
    const io = captureIo();
    const opened: OpenEngineOptions[] = [];
    const missing = join(dir, 'nope.pt');
    const code = await runAnalyze(
      [join(dir, 'photos', 'a-happy.png'), '--weights', missing],
      io,
      fakeHandle(undefined, opened),
    );
    expect(code).toBe(1);
    expect(io.stderr()).toMatch(`analyze: --weights ${missing}: no such file. The weights are not bundled`);
    expect(opened).toEqual([]);
  });

  it('the import joins the engine as classifier emo-affectnet, chosen for the run (--model implied)', async () => {
    const io = captureIo();
    const engine = createFakeEngine();
    const opened: OpenEngineOptions[] = [];
    const code = await runAnalyze(
      [join(dir, 'photos', 'a-happy.png'), '--weights', join(dir, 'emo.onnx')],
      io,
      fakeHandle(engine, opened),
    );
    expect(code).toBe(0);
    expect(opened).toHaveLength(1);
    const [model] = opened[0]?.extraModels ?? [];
    expect(model?.entry).toMatchObject({ id: 'emo-affectnet', file: 'emo-affectnet.onnx', maxBatch: 8 });
    expect(model?.onnx).toEqual(tinyEmoOnnx());
    expect(engine.calls.map((c) => (c.options as { classifierId?: string }).classifierId)).toEqual([
      'emo-affectnet',
    ]);
    expect(io.stderr()).toMatch(
      /^analyze: emo-affectnet: .*emo\.onnx: ONNX model, .*NOT the authors' file.*nothing cached\n/,
    );
  });
});
