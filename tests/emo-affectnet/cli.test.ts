/**
 * End-to-end: `npm run analyze -- --model emo-affectnet --weights <file>` with the full-size test checkpoint
 * PyTorch wrote (./pytorch-fixtures.ts), through the real engine (models/ on disk, onnxruntime-web wasm).
 * Checks the CLI wiring against PyTorch: the manifest-driven preprocessing and label order of the imported
 * entry give PyTorch's probabilities, batched faces give what single faces give, and damaged or foreign
 * files end with their message. Skipped, with a message, where python3-torch is missing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAnalyze } from '../../src/cli/analyze.ts';
import { type LoadedWeights, loadWeights } from '../../src/cli/emo-weights.ts';
import { captureIo } from '../../src/cli/fake-engine.test-helper.ts';
import { EMOTIONS } from '../../src/ml/emotions.ts';
import { softmax } from '../../src/ml/softmax.ts';
import { createNodeEngine } from '../../src/runtime/node-engine.ts';
import {
  CACHE_DIR,
  ENABLE,
  HAVE_TORCH,
  IMAGE,
  PYTHON,
  type Reference,
  ensureFixtures,
  log,
} from './pytorch-fixtures.ts';

/** Probabilities of our engine vs softmax of PyTorch's logits (fp32; logits agree within ~3e-5). */
const PROBABILITY_TOLERANCE = 1e-4;
/** The same face alone or in a batch of several: the same kernels, float32 summation order only. */
const BATCH_TOLERANCE = 1e-5;

if (!HAVE_TORCH) {
  console.warn(
    `[emo-affectnet cli] SKIPPED the end-to-end CLI test: ${PYTHON} cannot import torch and PIL. To enable: ${ENABLE}`,
  );
}

describe.skipIf(!HAVE_TORCH || !IMAGE)(
  `npm run analyze -- --model emo-affectnet --weights <test checkpoint> (needs python3-torch: ${ENABLE})`,
  () => {
    let reference: Reference;
    let pt: string;
    let weights: LoadedWeights;
    let dir: string;

    beforeAll(async () => {
      ort.env.wasm.numThreads = 1;
      reference = ensureFixtures();
      pt = path.join(CACHE_DIR, reference.checkpoint);
      weights = await loadWeights(pt);
      dir = await mkdtemp(path.join(tmpdir(), 'affect-lens-emo-cli-'));
    }, 900_000);
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("classifyCrop through the engine with the imported entry gives PyTorch's probabilities (preprocessing, label order)", async () => {
      const image = reference.image!;
      const rgb = readFileSync(path.join(CACHE_DIR, image.rgb));
      const rgba = new Uint8ClampedArray(image.width * image.height * 4);
      for (let i = 0; i < image.width * image.height; i++) {
        rgba.set([rgb[i * 3]!, rgb[i * 3 + 1]!, rgb[i * 3 + 2]!, 255], i * 4);
      }
      const { engine, backend } = await createNodeEngine({ extraModels: [weights] });
      try {
        const scores = await engine.classifyCrop(
          { width: image.width, height: image.height, data: rgba },
          'emo-affectnet',
        );
        const expected = softmax(image.logits);
        // Output order Neutral, Happiness, Sadness, Surprise, Fear, Disgust, Anger (MODELS.md section 2).
        const order = ['neutral', 'happiness', 'sadness', 'surprise', 'fear', 'disgust', 'anger'] as const;
        order.forEach((emotion, i) =>
          expect(scores[emotion], `${emotion} (output ${i})`).toBeCloseTo(
            expected[i]!,
            -Math.log10(PROBABILITY_TOLERANCE),
          ),
        );
      } finally {
        await backend.dispose?.();
      }
    }, 300_000);

    it('analyze --json: every face of a group photo, all faces of the image in one call, equal to one face per call', async () => {
      const io = captureIo();
      const code = await runAnalyze([IMAGE!, '--model', 'emo-affectnet', '--weights', pt, '--json'], io);
      expect(code, io.stderr()).toBe(0);
      expect(io.stderr()).toMatch(
        /^analyze: emo-affectnet: .*emo-affectnet-test\.pt: PyTorch state_dict, 98\.\d MB, SHA-256 [0-9a-f]{12}\.\.\., NOT the authors' file .*; built float32 ONNX \(98\.\d MB\) in \d+\.\d\d s, up to 8 faces per call; kept in memory, nothing cached\n/,
      );
      const record = JSON.parse(io.stdout()) as { faces: { emotions: Record<string, number> }[] };
      log(`analyze of ${path.basename(IMAGE!)} with the test checkpoint: ${record.faces.length} face(s)`);
      expect(record.faces.length).toBeGreaterThanOrEqual(2);
      for (const face of record.faces) {
        expect(Object.keys(face.emotions).sort()).toEqual([...EMOTIONS].sort());
        expect(Object.values(face.emotions).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 3);
      }

      // The same run with the model declared one face per call: the same probabilities.
      const single = { ...weights, entry: { ...weights.entry, maxBatch: 1 } };
      const { engine, backend } = await createNodeEngine({ extraModels: [single] });
      const { engine: batchedEngine, backend: batchedBackend } = await createNodeEngine({
        extraModels: [weights],
      });
      try {
        const { readImage } = await import('../../src/cli/image-io.ts');
        const decoded = await readImage(IMAGE!);
        const one = await engine.analyze(decoded, { classifierId: 'emo-affectnet' });
        const batched = await batchedEngine.analyze(decoded, { classifierId: 'emo-affectnet' });
        expect(batched.length).toBe(one.length);
        let max = 0;
        batched.forEach((face, k) =>
          EMOTIONS.forEach((e) => (max = Math.max(max, Math.abs(face.emotions[e] - one[k]!.emotions[e])))),
        );
        log(`${one.length} faces batched vs one per call: max |probability diff| ${max.toExponential(2)}`);
        expect(max).toBeLessThanOrEqual(BATCH_TOLERANCE);
      } finally {
        await backend.dispose?.();
        await batchedBackend.dispose?.();
      }
    }, 600_000);

    it.each([
      {
        what: 'a truncated checkpoint',
        make: (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length * 0.6)),
        message:
          /: ZIP: no end-of-central-directory record at the end of the file \(\d+ bytes\)\. The file is truncated or damaged: download or copy it again\.\n/,
      },
      {
        what: "another model's ONNX (the bundled mini-Xception)",
        make: () => readFileSync(new URL('../../models/mini-xception.onnx', import.meta.url)),
        message:
          /: This ONNX model is not EMO-AffectNet's ResNet-50: expected one input float32 \[batch, 3, 224, 224\]/,
      },
    ])(
      '$what: exit 1 with the reason, nothing analysed',
      async ({ make, message }) => {
        const file = path.join(dir, 'weights.bin');
        await writeFile(file, make(readFileSync(pt)));
        const io = captureIo();
        expect(await runAnalyze([IMAGE!, '--model', 'emo-affectnet', '--weights', file], io)).toBe(1);
        expect(io.stderr()).toMatch(message);
        expect(io.stdout()).toBe('');
      },
      120_000,
    );
  },
);
