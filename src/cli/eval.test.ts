import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEval } from './eval.ts';
import { captureIo, createFakeEngine, fakeHandle } from './fake-engine.test-helper.ts';

let dir: string;

async function solid(file: string, size: number, red: number): Promise<void> {
  await writeFile(
    file,
    await sharp({ create: { width: size, height: size, channels: 3, background: { r: red, g: 0, b: 0 } } })
      .png()
      .toBuffer(),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'affect-lens-eval-'));
  await mkdir(join(dir, 'img'));
  await solid(join(dir, 'img', 'happy.png'), 64, 255);
  await solid(join(dir, 'img', 'neutral.png'), 64, 0);
  await solid(join(dir, 'img', 'tiny-happy.png'), 16, 255);
  await writeFile(join(dir, 'img', 'broken.png'), 'not a png');
  // The fake engine calls red images happiness, others neutral: 3 of 4 labels below are right.
  await writeFile(
    join(dir, 'labels.csv'),
    [
      'path,label,usage',
      'img/happy.png,happiness,A',
      'img/neutral.png,neutral,A',
      'img/neutral.png,sadness,A',
      'img/tiny-happy.png,happiness,A',
      'img/happy.png,happiness,B',
    ].join('\n') + '\n',
  );
  await writeFile(join(dir, 'broken.csv'), 'path,label\nimg/happy.png,happiness\nimg/broken.png,anger\n');
  await writeFile(join(dir, 'badlabel.csv'), 'path,label\nimg/happy.png,joy\n');
  // Fake detections are the middle half of the image: 16,16,32,32 on a 64x64 image.
  await writeFile(
    join(dir, 'boxes.csv'),
    [
      'path,x,y,w,h,ignore',
      'img/happy.png,20,20,20,20,0',
      'img/happy.png,0,0,8,8,0',
      'img/neutral.png,24,24,20,20,1',
      'img/tiny-happy.png,0,0,8,8,0',
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'negatives.csv'),
    'path,faces\nimg/happy.png,0\nimg/tiny-happy.png,0\nimg/neutral.png,2\n',
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('eval: usage', () => {
  it.each([
    { argv: [], message: /give --csv <labels.csv> \(classifier\) or --boxes/ },
    { argv: ['--csv', 'x.csv'], message: /--csv needs --mode crop/ },
    { argv: ['--csv', 'x.csv', '--mode', 'half'], message: /--mode expects one of crop, full/ },
    { argv: ['--csv', 'x.csv', '--mode', 'crop', '--boxes', 'b.csv'], message: /cannot be combined/ },
    { argv: ['--boxes', 'b.csv', '--usage', 'A'], message: /--usage belongs to the classifier eval/ },
    { argv: ['--csv', 'missing.csv', '--mode', 'crop'], message: /cannot read missing.csv/ },
    { argv: ['--csv', 'x.csv', '--mode', 'full', '--margin', '0,x'], message: /--margin expects a number/ },
    { argv: ['stray'], message: /positional/i },
  ])('$argv -> exit 2', async ({ argv, message }) => {
    const io = captureIo();
    expect(await runEval(argv, io, fakeHandle())).toBe(2);
    expect(io.stderr()).toMatch(message);
  });

  it('CSV problems are usage errors with the line', async () => {
    const io = captureIo();
    expect(await runEval(['--csv', join(dir, 'badlabel.csv'), '--mode', 'crop'], io, fakeHandle())).toBe(2);
    expect(io.stderr()).toMatch(/badlabel.csv line 2: label "joy" is not one of neutral, happiness/);
    expect(
      await runEval(['--csv', join(dir, 'labels.csv'), '--mode', 'crop', '--usage', 'C'], io, fakeHandle()),
    ).toBe(2);
    expect(io.stderr()).toMatch(/no rows with usage "C".*it has: A, B/);
    expect(
      await runEval(
        ['--csv', join(dir, 'labels.csv'), '--mode', 'crop', '--model', 'fake-a,nope'],
        io,
        fakeHandle(),
      ),
    ).toBe(2);
    expect(io.stderr()).toMatch(/--model nope: no such classifier/);
  });

  it('a boxes CSV with a bad number names the line and column', async () => {
    const file = join(dir, 'bad-boxes.csv');
    await writeFile(file, 'path,x,y,w,h\nimg/happy.png,1,2,3,4\nimg/happy.png,1,,3,4\n');
    const io = captureIo();
    expect(await runEval(['--boxes', file], io, fakeHandle())).toBe(2);
    expect(io.stderr()).toMatch(/bad-boxes.csv line 3: y must be a number \(pixels\), got ""/);
  });

  it('--help', async () => {
    const io = captureIo();
    expect(await runEval(['--help'], io, fakeHandle())).toBe(0);
    expect(io.stdout()).toMatch(/--small-faces <mode\[,mode..\]>/);
  });
});

describe('eval: classifier', () => {
  it('crop mode: accuracy, macro recall, per-class recall, confusion matrix', async () => {
    const io = captureIo();
    const engine = createFakeEngine();
    const code = await runEval(
      ['--csv', join(dir, 'labels.csv'), '--mode', 'crop', '--usage', 'A', '--margin', '0.3'],
      io,
      fakeHandle(engine),
    );
    expect(code).toBe(0);
    const out = io.stdout();
    expect(out).toContain('images: 4   accuracy: 75.0% (3/4)   macro recall: 66.7%');
    expect(out).toMatch(/^sadness\s+1\s+0\s+0.0%$/m);
    expect(out).toMatch(/^sadness\s+1\s+0\s+0\s+0\s+0\s+0\s+0\s+0.0%$/m); // confusion row: predicted neutral
    expect(out).not.toContain('no face');
    expect(io.stderr()).toMatch(/--margin ignored in --mode crop/);
    // One untimed warm-up call, then one per image.
    expect(engine.calls.map((c) => c.method)).toEqual(Array(5).fill('classifyCrop'));
    expect(engine.calls[0]?.options).toBe('fake-a'); // the engine's default classifier
  });

  it('full mode: images without a face count as wrong and are reported', async () => {
    const io = captureIo();
    const code = await runEval(
      ['--csv', join(dir, 'labels.csv'), '--mode', 'full', '--usage', 'A'],
      io,
      fakeHandle(),
    );
    expect(code).toBe(0);
    expect(io.stdout()).toContain('accuracy: 50.0% (2/4)');
    expect(io.stdout()).toContain('no face found: 1 of 4 image(s)');
    expect(io.stdout()).toMatch(/true \\ predicted .* no face\s+recall/);
  });

  it('sweeps every combination and prints a summary table', async () => {
    const io = captureIo();
    const engine = createFakeEngine();
    const code = await runEval(
      ['--csv', join(dir, 'labels.csv'), '--mode', 'full', '--model', 'fake-a,fake-b', '--margin', '0,0.2'],
      io,
      fakeHandle(engine),
    );
    expect(code).toBe(0);
    const summary = io.stdout().split('summary\n')[1]?.trim().split('\n') ?? [];
    expect(summary[0]).toMatch(/^model\s+margin\s+images\s+accuracy\s+macro recall\s+no face\s+ms\/image$/);
    expect(summary.slice(1).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      ['fake-a', '0', '5', '60.0%'],
      ['fake-a', '0.2', '5', '60.0%'],
      ['fake-b', '0', '5', '60.0%'],
      ['fake-b', '0.2', '5', '60.0%'],
    ]);
    const options = engine.calls.map((c) => c.options as { classifierId: string; cropMargin: number });
    expect(new Set(options.map((o) => `${o.classifierId}/${o.cropMargin}`))).toEqual(
      new Set(['fake-a/0', 'fake-a/0.2', 'fake-b/0', 'fake-b/0.2']),
    );
  });

  it('--json', async () => {
    const io = captureIo();
    await runEval(
      [
        '--csv',
        join(dir, 'labels.csv'),
        '--mode',
        'crop',
        '--model',
        'fake-a,fake-b',
        '--json',
        '--limit',
        '2',
      ],
      io,
      fakeHandle(),
    );
    const doc = JSON.parse(io.stdout()) as {
      images: number;
      results: { swept: unknown; accuracy: number; confusion: { counts: number[][] } }[];
    };
    expect(doc.images).toBe(2);
    expect(doc.results.map((r) => r.swept)).toEqual([{ classifierId: 'fake-a' }, { classifierId: 'fake-b' }]);
    expect(doc.results[0]?.confusion.counts).toHaveLength(7);
  });

  it('an unreadable image is reported once, left out, and the exit code is 1', async () => {
    const io = captureIo();
    const code = await runEval(
      ['--csv', join(dir, 'broken.csv'), '--mode', 'crop', '--model', 'fake-a,fake-b'],
      io,
      fakeHandle(),
    );
    expect(code).toBe(1);
    expect(io.stderr().match(/broken\.png: not an image/g)).toHaveLength(1);
    expect(io.stdout()).toContain('images: 1   accuracy: 100.0% (1/1)');
  });
});

describe('eval: detector', () => {
  it('boxes and negatives: per-image table, recall, FP/image, detections per image', async () => {
    const io = captureIo();
    const engine = createFakeEngine();
    const code = await runEval(
      ['--boxes', join(dir, 'boxes.csv'), '--negatives', join(dir, 'negatives.csv'), '--min-score', '0.6'],
      io,
      fakeHandle(engine),
    );
    expect(code).toBe(0);
    const out = io.stdout();
    // happy.png: the 20,20 face is found, the 0,0 one is not; neutral.png: its only face is ignored, the detection
    // covers it; tiny-happy.png: no detection.
    expect(out).toMatch(/^happy\.png\s+2\s+1\s+0\s+1$/m);
    expect(out).toMatch(/^neutral\.png\s+0\s+0\s+0\s+1$/m);
    expect(out).toContain('faces: recall 33.3% (1/3 found on 3 images), false positives 0 = 0.00/image');
    expect(out).toContain(
      'negatives: 1 detection(s) on 2 images without faces = 0.50/image (1 image(s) with any)',
    );
    expect(io.stderr()).toMatch(/faces=2, not a negative; skipped/);
    expect(
      engine.calls.every(
        (c) => c.method === 'detect' && (c.options as { minScore: number }).minScore === 0.6,
      ),
    ).toBe(true);
  });

  it('sweeps --small-faces with a summary', async () => {
    const io = captureIo();
    const engine = createFakeEngine();
    expect(
      await runEval(
        ['--boxes', join(dir, 'boxes.csv'), '--small-faces', 'off,tiling', '--no-large-faces'],
        io,
        fakeHandle(engine),
      ),
    ).toBe(0);
    expect(io.stdout()).toMatch(
      /summary\nsmall-faces\s+recall\s+found\s+FP\/image\noff\s+33.3%\s+1\/3\s+0.00\ntiling\s+33.3%/,
    );
    expect(
      engine.calls.map((c) => (c.options as { smallFaces: string; largeFaces: boolean }).smallFaces),
    ).toEqual(['off', 'off', 'off', 'off', 'tiling', 'tiling', 'tiling', 'tiling']); // warm-up + 3 images each
    expect(engine.calls.every((c) => (c.options as { largeFaces: boolean }).largeFaces === false)).toBe(true);
  });
});

describe('eval --weights', () => {
  it('is refused in the detector eval, and a missing file stops the classifier eval with exit 1', async () => {
    let io = captureIo();
    expect(await runEval(['--boxes', join(dir, 'boxes.csv'), '--weights', 'w.pt'], io, fakeHandle())).toBe(2);
    expect(io.stderr()).toMatch(/--weights is for the classifier eval \(--csv\)/);
    io = captureIo();
    const missing = join(dir, 'nope.pt');
    expect(
      await runEval(
        ['--csv', join(dir, 'labels.csv'), '--mode', 'crop', '--weights', missing],
        io,
        fakeHandle(),
      ),
    ).toBe(1);
    expect(io.stderr()).toContain(`eval: --weights ${missing}: no such file.`);
  });
});
