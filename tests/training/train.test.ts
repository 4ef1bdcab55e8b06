/**
 * Smoke test of `npm run train` (training/train.py) on a tiny synthetic FER+ folder made here (no shared
 * data needed): progress lines, every output file, an ONNX that gives PyTorch's probabilities in
 * onnxruntime-web, and a run stopped after its first epoch and resumed giving the same model as one that never
 * stopped (same seed). Skipped, with a message, where Debian's python3-torch is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENABLE, HAVE_TORCH, PYTHON } from '../helpers/python.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TRAIN = path.join(ROOT, 'training/train.py');
const HAVE_MATPLOTLIB =
  HAVE_TORCH && spawnSync(PYTHON, ['-c', 'import matplotlib'], { stdio: 'ignore' }).status === 0;
const FACES_PER_SPLIT = 21;
/** label.csv vote columns (../shared/data/ferplus/SOURCE.txt): neutral .. fear are 0..6, then contempt, unknown, NF. */
const VOTE_COLUMNS = 10;
const RUN_TIMEOUT_MS = 240_000;

let dir: string;
let data: string;

/** A FER+-shaped folder: 48x48 grey PNGs (a bright band whose height follows the class) and votes. */
async function makeFerPlus(root: string): Promise<void> {
  for (const split of ['train', 'valid', 'test']) {
    await mkdir(path.join(root, split), { recursive: true });
    const rows: string[] = [];
    for (let i = 0; i < FACES_PER_SPLIT; i++) {
      const cls = i % 7;
      const pixels = Buffer.alloc(48 * 48);
      for (let y = 0; y < 48; y++)
        for (let x = 0; x < 48; x++)
          pixels[y * 48 + x] = Math.abs(y - 6 * cls - 6) < 4 ? 220 : (x * 7 + y * 3 + i) % 90;
      const file = `fer${String(i).padStart(7, '0')}.png`;
      await sharp(pixels, { raw: { width: 48, height: 48, channels: 1 } })
        .png()
        .toFile(path.join(root, split, file));
      const votes: number[] = Array.from({ length: VOTE_COLUMNS }, (_, c) =>
        c === cls ? 7 : c === (cls + 1) % 7 ? 2 : 0,
      );
      if (i === FACES_PER_SPLIT - 1) votes.splice(0, VOTE_COLUMNS, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9); // not a face
      rows.push(`${file},"(0, 0, 48, 48)",${votes.join(',')}`);
    }
    await writeFile(path.join(root, split, 'label.csv'), `${rows.join('\n')}\n`);
  }
}

function train(out: string, ...extra: string[]): string {
  const args = [TRAIN, '--data', data, '--out', out, '--epochs', '2', '--seed', '3', '--batch-size', '8'];
  const run = spawnSync(PYTHON, [...args, '--threads', '1', '--no-install', ...extra], {
    encoding: 'utf8',
    timeout: RUN_TIMEOUT_MS,
  });
  if (run.status !== 0)
    throw new Error(`train.py ${extra.join(' ')} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

describe.skipIf(!HAVE_MATPLOTLIB)(
  `npm run train on a synthetic FER+ folder (needs ${ENABLE} python3-numpy python3-matplotlib)`,
  () => {
    let straight: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'affect-lens-train-'));
      data = path.join(dir, 'ferplus');
      await makeFerPlus(data);
      straight = train(path.join(dir, 'straight'));
    }, RUN_TIMEOUT_MS);
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('prints epoch, loss, valid accuracy, time per epoch and ETA, then the calibrated test figures', () => {
      expect(straight).toMatch(/train 20 faces with soft targets \(of 21\)/);
      expect(straight).toMatch(
        /epoch {3}1\/2 {2}loss \d+\.\d{4} {2}valid acc +\d+\.\d\d% .* s\/epoch {2}ETA \dm\d\ds/,
      );
      expect(straight).toMatch(/epoch {3}2\/2 /);
      expect(straight).toMatch(/temperature \d+\.\d{3}/);
      expect(straight).toMatch(/ECE \d\.\d{4} before calibration, \d\.\d{4} after/);
      expect(straight).toMatch(/not installed/);
    });

    it('writes the checkpoint, the curve (PNG), metrics and an ONNX file that matches PyTorch', async () => {
      const out = path.join(dir, 'straight');
      const png = await readFile(path.join(out, 'curve.png'));
      expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
      const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8')) as {
        history: unknown[];
        test: { calibrated: { confusion: number[][] } };
      };
      expect(metrics.history).toHaveLength(2);
      expect(metrics.test.calibrated.confusion).toHaveLength(7);
      const entry = JSON.parse(await readFile(path.join(out, 'manifest-entry.json'), 'utf8')) as {
        training: { seed: number; epochs: number };
        sha256: string;
      };
      expect(entry.training).toMatchObject({ seed: 3, epochs: 2 });
      const reference = JSON.parse(
        await readFile(path.join(out, 'affect-lens-ferplus.reference.json'), 'utf8'),
      ) as {
        shape: number[];
        inputsFloat32Base64: string;
        probabilities: number[][];
      };
      ort.env.wasm.numThreads = 1;
      const session = await ort.InferenceSession.create(
        await readFile(path.join(out, 'affect-lens-ferplus.onnx')),
      );
      const bytes = Buffer.from(reference.inputsFloat32Base64, 'base64');
      const input = new Float32Array(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      );
      const result = await session.run({ input: new ort.Tensor('float32', input, reference.shape) });
      const probs = result.probabilities!.data as Float32Array;
      reference.probabilities
        .flat()
        .forEach((p, i) => expect(Math.abs(probs[i]! - p)).toBeLessThanOrEqual(1e-4));
      await session.release();
    });

    it(
      'resumes a run stopped after epoch 1 into the same model as a run that never stopped',
      async () => {
        const out = path.join(dir, 'resumed');
        expect(train(out, '--stop-after', '1')).toMatch(/stopped after epoch 1 \(--stop-after\)/);
        const resumed = train(out, '--resume');
        expect(resumed).toMatch(/resumed from .* after epoch 1/);
        expect(resumed).not.toMatch(/epoch {3}1\/2 /);
        const [a, b] = await Promise.all(
          ['straight', 'resumed'].map((d) => readFile(path.join(dir, d, 'affect-lens-ferplus.onnx'))),
        );
        expect(Buffer.compare(a!, b!), 'ONNX bytes of the resumed run vs the straight one').toBe(0);
      },
      2 * RUN_TIMEOUT_MS,
    );
  },
);
